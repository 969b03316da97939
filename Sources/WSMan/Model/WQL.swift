/// Building WQL safely.
public enum WQL {
    /// A quoted WQL string literal: `'` and `\` are backslash-escaped, so `a'b\c` becomes `'a\'b\\c'` and a
    /// value can never end the literal early or widen a query.
    public static func literal(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            switch character {
            case "\\": quoted += "\\\\"
            case "'": quoted += "\\'"
            default: quoted.append(character)
            }
        }
        return quoted + "'"
    }

    /// `SELECT * FROM class WHERE p1 = 'v1' AND p2 = 'v2'` with every value quoted.
    public static func select(from className: String, where conditions: [(String, String)] = []) -> String {
        var query = "SELECT * FROM \(className)"
        if !conditions.isEmpty {
            query += " WHERE " + conditions.map { "\($0.0) = \(literal($0.1))" }.joined(separator: " AND ")
        }
        return query
    }

    /// `ASSOCIATORS OF {Class.Key='v',…} WHERE AssocClass = A ResultClass = R` with key values quoted.
    public static func associators(
        of className: String, keys: [Selector], associationClass: String, resultClass: String
    ) -> String {
        let path = keys.map { "\($0.name)=\(literal($0.value))" }.joined(separator: ",")
        return
            "ASSOCIATORS OF {\(className).\(path)} WHERE AssocClass = \(associationClass) ResultClass = \(resultClass)"
    }
}
