import Checkpoints

/// A failure of one extension run, naming what failed, on which VM / snapshot, and what to do. It becomes
/// `{"status":"error","error":"…"}` and exit status 1.
public struct ExtensionError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The argument list is not `ACTION PAYLOAD_FILE [WAIT]`.
        case usage
        /// The payload file is missing, unreadable, too large or not a JSON object.
        case invalidPayload
        /// A key the action needs is not in the payload.
        case missingParameter
        /// A parameter has a value the action cannot use.
        case invalidParameter
        /// `agent.conf` (or what the payload adds to it) is not usable.
        case configuration
        /// The action is not one of ours and no `extension.fallback` is configured, or the fallback cannot run.
        case unsupportedAction
        /// The checkpoint service failed; `checkpointCode` says how.
        case checkpoint
        /// The host could not be read (listings).
        case host
        /// `WAIT` ran out before the action finished.
        case timedOut
    }

    public let code: Code
    public let message: String
    /// Set for ``Code/checkpoint``.
    public var checkpointCode: CheckpointError.Code?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public init(_ error: CheckpointError) {
        self.init(.checkpoint, error.message)
        checkpointCode = error.code
    }

    public var description: String { message }
}
