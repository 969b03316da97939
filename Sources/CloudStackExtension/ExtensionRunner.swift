import Logging

/// Runs one extension action on the checkpoint service and shapes every outcome — success or any failure — as the
/// one JSON object the management server reads.
public struct ExtensionRunner: Sendable {
    public var context: ExtensionContext
    public var logger: Logger

    public init(context: ExtensionContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public func run(_ action: ExtensionAction, payload: ExtensionPayload) async -> ExtensionOutput {
        var logger = self.logger
        logger[metadataKey: "extension.action"] = "\(action.rawValue)"
        if let vm = payload.vmName { logger[metadataKey: "cloudstack.vm"] = "\(vm)" }
        logger.info("extension action started")
        do {
            let output = try await action.handler.run(payload, context: context)
            logger.info("extension action finished")
            return output
        } catch {
            logger.error(
                "extension action failed",
                metadata: [
                    "error.code": "\(error.checkpointCode.map { "\($0)" } ?? error.code.rawValue)",
                    "error": "\(error.message)",
                ])
            return .failure(error)
        }
    }
}
