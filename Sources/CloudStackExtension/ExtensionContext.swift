import Checkpoints

/// What an action handler works with: the checkpoint service and the time the run may take.
public struct ExtensionContext: Sendable {
    public var service: CheckpointService
    /// The operation's timeout, from `WAIT` (minus a margin) and `hyperv.job_timeout_seconds`; `nil` = the service's.
    public var timeout: Duration?

    public init(service: CheckpointService, timeout: Duration?) {
        self.service = service
        self.timeout = timeout
    }
}

/// One action: decode its parameters from the payload, run it on the checkpoint service, shape the output.
protocol ExtensionActionHandler: Sendable {
    func run(_ payload: ExtensionPayload, context: ExtensionContext) async throws(ExtensionError) -> ExtensionOutput
}

extension ExtensionActionHandler {
    /// Runs a checkpoint use case, turning its failure into the extension's.
    func checkpoints<T>(_ body: () async throws(CheckpointError) -> T) async throws(ExtensionError) -> T {
        do { return try await body() } catch { throw ExtensionError(error) }
    }
}
