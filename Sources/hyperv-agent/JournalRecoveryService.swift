import Checkpoints
import Logging
import ServiceLifecycle

/// Finishes the operations an earlier process left journaled, once, beside the channel (it never blocks serving).
/// Run by `serve`'s service group, so shutdown waits for it like for every other task.
struct JournalRecoveryService: Service {
    let service: CheckpointService
    let logger: Logger

    func run() async throws {
        let recovered = await service.recoverAll()
        if recovered > 0 { logger.notice("recovered journaled operations", metadata: ["count": "\(recovered)"]) }
        // Exports of preserved VMs that failed (storage unreachable, agent killed mid-stop) are retried.
        await service.upkeepPreservedVMs()
    }
}
