import CloudStack

/// What one run prints: exactly one JSON object on one line, and the exit status. The management server decides
/// success by the exit status alone and shows the whole text as the action's `details`.
public struct ExtensionOutput: Sendable, Equatable {
    /// The management server reads the pipe only after the process exits: more than a pipe buffer would block us
    /// until it kills the process. Listings are the only large output; they stay far below this.
    public static let maxBytes = 60 * 1024

    public var succeeded: Bool
    public var object: JSONValue

    public init(succeeded: Bool, object: JSONValue) {
        self.succeeded = succeeded
        self.object = object
    }

    /// `{"status":"success","message":…}` plus `extra` members (e.g. `"printmessage":"true"` for listings).
    public static func success(message: JSONValue, _ extra: [(String, JSONValue)] = []) -> ExtensionOutput {
        ExtensionOutput(
            succeeded: true, object: .object([("status", .string("success")), ("message", message)] + extra))
    }

    /// `{"status":"error","error":"…"}`.
    public static func failure(_ error: ExtensionError) -> ExtensionOutput {
        ExtensionOutput(
            succeeded: false, object: .object([("status", .string("error")), ("error", .string(error.message))]))
    }

    public var exitStatus: Int32 { succeeded ? 0 : 1 }

    /// The line to print (newline included) and the exit status to go with it; never above ``maxBytes`` (an
    /// oversized answer is replaced by an error saying so).
    public func rendered() -> (text: String, exitStatus: Int32) {
        let text = JSONWriter.string(object)
        guard text.utf8.count < Self.maxBytes else {
            let error = ExtensionError(
                .host,
                "the answer is \(text.utf8.count) bytes, more than the \(Self.maxBytes) the management server can read; narrow the request"
            )
            return (JSONWriter.string(Self.failure(error).object) + "\n", 1)
        }
        return (text + "\n", exitStatus)
    }
}
