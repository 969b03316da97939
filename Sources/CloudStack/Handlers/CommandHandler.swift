import Checkpoints
import Logging

/// One CloudStack command, one handler: decode → the checkpoint service → the answer.
///
/// To add a command: a model conforming to ``AgentCommand`` (or reuse ``VMSnapshotCommand``), a handler file
/// conforming to this protocol, and one line in ``CommandRegistry``. `answer(to:)` never throws and always answers
/// with the handler's own answer class (CloudStack casts the answer before it reads `result`).
public protocol CommandHandler: Sendable {
    associatedtype Command: AgentCommand
    var commandClass: String { get }
    var answerClass: String { get }
    /// Runs the command; returns the answer's `details` and its command-specific fields.
    func execute(_ command: Command) async throws(CheckpointError) -> AnswerFields
}

/// The part of an answer a handler fills: `details` and the answer class's own fields.
public struct AnswerFields: Sendable {
    public var details: String
    public var fields: [(String, JSONValue)]

    public init(details: String, fields: [(String, JSONValue)]) {
        self.details = details
        self.fields = fields
    }
}

extension CommandHandler {
    /// The answer array for `command`: success, or `result:false` with the reason in `details`.
    public func answer(_ command: Command) async -> JSONValue {
        do {
            let answer = try await execute(command)
            return AnswerBuilder.answer(answerClass, result: true, details: answer.details, fields: answer.fields)
        } catch {
            return failure(error.description)
        }
    }

    public func failure(_ details: String) -> JSONValue {
        AnswerBuilder.answer(answerClass, result: false, details: details)
    }
}

/// A decoded CloudStack command body.
public protocol AgentCommand: Sendable {
    init(_ raw: JSONValue) throws(CommandDecodingError)
    /// What the log line of this command names (VM, snapshot, …).
    var logMetadata: Logger.Metadata { get }
}

/// A command body that is JSON but not the command it claims to be.
public struct CommandDecodingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
}
