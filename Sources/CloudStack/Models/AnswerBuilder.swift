/// Builds the `[{"<Answer FQCN>": {…}}]` body CloudStack parses as `Answer[]`.
public enum AnswerBuilder {
    /// Success or failure answer of a command. `result` is always written (a missing boolean reads as false).
    public static func answer(_ answerClass: String, result: Bool, details: String, fields: [(String, JSONValue)] = [])
        -> JSONValue
    {
        var members = fields
        members.append(("result", .bool(result)))
        members.append(("details", .string(details)))
        members.append(("contextMap", .object([])))
        members.append(("wait", .number("0")))
        return .array([.object([(answerClass, .object(members))])])
    }
}
