import Foundation
import HyperV
import Logging

/// From a command class and body to the answer array: decoding, the handler registry, the per-VM gate, logging.
public struct CommandDispatcher: Sendable {
    public enum Outcome: Sendable {
        /// The answer array and its `result`.
        case answered(JSONValue, result: Bool)
        /// No handler for this class (the channel answers 404 or forwards upstream).
        case unknownCommand
        /// The body is not JSON (the channel answers 400).
        case undecodable(String)
    }

    public let engine: SnapshotEngine
    public let handlers: [String: any CommandHandler]
    /// Called when a command starts and when it is answered (metrics).
    public var onStarted: @Sendable (String) -> Void = { _ in }
    public var onFinished: @Sendable (_ commandClass: String, _ result: Bool, _ seconds: Double) -> Void = { _, _, _ in }

    public init(engine: SnapshotEngine) {
        self.engine = engine
        let list: [any CommandHandler] = [
            CreateVMSnapshotHandler(engine: engine), RevertToVMSnapshotHandler(engine: engine), DeleteVMSnapshotHandler(engine: engine),
        ]
        handlers = Dictionary(uniqueKeysWithValues: list.map { ($0.commandClass, $0) })
    }

    public func dispatch(commandClass: String, body: [UInt8], requestID: String = UUID().uuidString) async -> Outcome {
        guard let handler = handlers[commandClass] else { return .unknownCommand }
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch { return .undecodable(error.description) }
        let command: VMSnapshotCommand
        do {
            command = try VMSnapshotCommand(json)
        } catch {
            return .answered(handler.failure("\(shortName(commandClass)) rejected: \(error.description)"), result: false)
        }
        var logger = engine.logger
        logger[metadataKey: "request.id"] = "\(requestID)"
        logger[metadataKey: "cloudstack.command"] = "\(shortName(commandClass))"
        logger[metadataKey: "cloudstack.vm"] = "\(command.vmName)"
        logger[metadataKey: "cloudstack.snapshot"] = "\(command.snapshotName)"
        logger.info("command received")
        onStarted(commandClass)
        let started = ContinuousClock.now
        let outcome = await engine.gate.run(vm: command.vmName, key: "\(commandClass)|\(command.snapshotName)") {
            await handler.handle(command)
        }
        let answer: JSONValue
        var joined = false
        switch outcome {
        case .finished(let value, let wasJoined):
            answer = value
            joined = wasJoined
        case .busy(let running):
            let parts = running.split(separator: "|", maxSplits: 1)
            answer = handler.failure(
                "VM \(command.vmName) is busy with \(shortName(String(parts.first ?? ""))) of \(parts.last ?? ""); one VM-snapshot operation runs per VM at a time — retry when it has finished")
        }
        let result = Self.result(of: answer)
        let elapsed = ContinuousClock.now - started
        onFinished(commandClass, result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        logger.info("command finished", metadata: [
            "result": "\(result)", "duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            "joined": "\(joined)", "details": "\(Self.details(of: answer))",
        ])
        return .answered(answer, result: result)
    }

    func shortName(_ commandClass: String) -> String { commandClass.split(separator: ".").last.map(String.init) ?? commandClass }

    static func inner(_ answer: JSONValue) -> JSONValue? {
        guard case .array(let items) = answer, case .object(let members)? = items.first else { return nil }
        return members.first?.1
    }

    public static func result(of answer: JSONValue) -> Bool { inner(answer)?["result"]?.boolValue ?? false }
    public static func details(of answer: JSONValue) -> String { inner(answer)?["details"]?.stringValue ?? "" }
}
