import Checkpoints
import Logging

/// What the channel does with `StopCommand` / `StartCommand` before the legacy agent sees them (DESIGN §10): a stop
/// of a VM with checkpoints is answered here (the VM kept, not destroyed); a start of a preserved VM first restores
/// it (or imports it in place), then goes on to the legacy agent, which finds it running.
public struct LifecycleInterceptor: Sendable {
    public enum Decision<Reply: Sendable>: Sendable {
        /// Go on as before: the channel forwards the command to `agent.upstream` and returns its answer.
        case pass
        /// The answer, given here.
        case answer(JSONValue)
        /// Forwarded (by `forward`) while the VM was held; this is the legacy agent's reply.
        case forwarded(Reply)
    }

    public let service: CheckpointService
    public var settings: CheckpointService.PreservationSettings

    public init(service: CheckpointService, settings: CheckpointService.PreservationSettings) {
        self.service = service
        self.settings = settings
    }

    public static func intercepts(_ commandClass: String) -> Bool {
        commandClass == CommandClass.stop || commandClass == CommandClass.start
    }

    /// `forward` hands the command to the legacy agent; it runs while the VM is held.
    public func intercept<Reply: Sendable>(
        commandClass: String, body: [UInt8], forward: @escaping @Sendable () async -> Reply
    ) async -> Decision<Reply> {
        guard Self.intercepts(commandClass), let json = try? JSONParser.parse(body),
            let command = LifecycleCommand(commandClass: commandClass, json: json)
        else { return .pass }
        var logger = service.logger
        logger[metadataKey: "cloudstack.vm"] = "\(command.vmName)"
        switch command {
        case .stop(let vmName, let force, let expunge):
            if expunge {
                do {
                    if try await service.expungePreserved(vmName: vmName) {
                        logger.info("preserved VM removed before the expunge")
                    }
                } catch {
                    logger.error("removing a preserved VM before the expunge failed", metadata: ["error": "\(error)"])
                    return .answer(
                        AnswerBuilder.answer(
                            AnswerClass.stop, result: false,
                            details: "\(error.message) — the VM was not expunged; retry the destroy"))
                }
                return .pass
            }
            do {
                let (outcome, reply) = try await service.preserveOnStop(
                    vmName: vmName, force: force, settings: settings, otherwise: forward)
                switch outcome {
                case .forward(let reason):
                    logger.info("stop left to the legacy agent", metadata: ["reason": "\(reason)"])
                    return reply.map { .forwarded($0) } ?? .pass
                case .preserved(let exported, let details):
                    logger.info("VM stopped and preserved", metadata: ["exported": "\(exported)"])
                    return .answer(AnswerBuilder.answer(AnswerClass.stop, result: true, details: details))
                }
            } catch {
                logger.error("stopping a VM with checkpoints failed", metadata: ["error": "\(error)"])
                // Not forwarded: the legacy agent would destroy the VM and its checkpoints.
                return .answer(
                    AnswerBuilder.answer(
                        AnswerClass.stop, result: false,
                        details:
                            "\(error.message) — VM \(vmName) has checkpoints, so it was not handed to the legacy agent (which would destroy them); retry the stop"
                    ))
            }
        case .start(let vmName, let rootDiskBase):
            do {
                let (outcome, reply) = try await service.restoreOnStart(
                    vmName: vmName, rootDiskBase: rootDiskBase, settings: settings, then: forward)
                switch outcome {
                case .forward(let reason):
                    logger.debug("start left to the legacy agent", metadata: ["reason": "\(reason)"])
                case .restored(let details):
                    logger.info("preserved VM restored before the start", metadata: ["details": "\(details)"])
                }
                return .forwarded(reply)
            } catch {
                logger.error("restoring a preserved VM failed", metadata: ["error": "\(error)"])
                // Not forwarded: the legacy agent would define a fresh VM without the checkpoints.
                var fields: [(String, JSONValue)] = []
                if let vm = json["vm"] { fields.append(("vm", vm)) }
                return .answer(
                    AnswerBuilder.answer(
                        AnswerClass.start, result: false,
                        details:
                            "\(error.message) — VM \(vmName) was preserved with its checkpoints; it was not handed to the legacy agent (which would re-create it without them); retry the start",
                        fields: fields))
            }
        }
    }
}
