import Checkpoints
import Foundation
import Logging

/// From a command class and body to the answer array: decoding, the handler registry, logging, metrics hooks.
/// Per-VM exclusion, joining of re-sent commands and the journal are the checkpoint service's.
public struct CommandDispatcher: Sendable {
    public enum Outcome: Sendable {
        /// The answer array and its `result`.
        case answered(JSONValue, result: Bool)
        /// No handler for this class (the channel answers 404 or forwards upstream).
        case unknownCommand
        /// The body is not JSON (the channel answers 400).
        case undecodable(String)
    }

    public let service: CheckpointService
    public let handlers: [String: any CommandHandler]
    /// Called when a command starts and when it is answered (metrics).
    public var onStarted: @Sendable (String) -> Void = { _ in }
    public var onFinished: @Sendable (_ commandClass: String, _ result: Bool, _ seconds: Double) -> Void = { _, _, _ in
    }

    public init(service: CheckpointService) {
        self.service = service
        handlers = Dictionary(
            uniqueKeysWithValues: CommandRegistry.handlers(service: service).map { ($0.commandClass, $0) })
    }

    public func dispatch(commandClass: String, body: [UInt8], requestID: String = UUID().uuidString) async -> Outcome {
        guard let handler = handlers[commandClass] else { return .unknownCommand }
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { return .undecodable(error.description) }
        return await dispatch(handler, json: json, requestID: requestID)
    }

    func dispatch<Handler: CommandHandler>(_ handler: Handler, json: JSONValue, requestID: String) async -> Outcome {
        let name = shortName(handler.commandClass)
        let command: Handler.Command
        do {
            command = try Handler.Command(json)
        } catch {
            return .answered(handler.failure("\(name) rejected: \(error.description)"), result: false)
        }
        var logger = service.logger
        logger[metadataKey: "request.id"] = "\(requestID)"
        logger[metadataKey: "cloudstack.command"] = "\(name)"
        for (key, value) in command.logMetadata { logger[metadataKey: key] = value }
        logger.info("command received")
        onStarted(handler.commandClass)
        let started = ContinuousClock.now
        let answer = await handler.answer(command)
        let result = Self.result(of: answer)
        let elapsed = ContinuousClock.now - started
        onFinished(
            handler.commandClass, result,
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        logger.info(
            "command finished",
            metadata: [
                "result": "\(result)",
                "duration_ms":
                    "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
                "details": "\(Self.details(of: answer))",
            ])
        return .answered(answer, result: result)
    }

    func shortName(_ commandClass: String) -> String {
        commandClass.split(separator: ".").last.map(String.init) ?? commandClass
    }

    static func inner(_ answer: JSONValue) -> JSONValue? {
        guard case .array(let items) = answer, case .object(let members)? = items.first else { return nil }
        return members.first?.1
    }

    public static func result(of answer: JSONValue) -> Bool { inner(answer)?["result"]?.boolValue ?? false }
    public static func details(of answer: JSONValue) -> String { inner(answer)?["details"]?.stringValue ?? "" }
}
