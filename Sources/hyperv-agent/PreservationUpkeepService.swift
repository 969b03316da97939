import Checkpoints
import Logging
import ServiceLifecycle

/// Keeps the VMs preserved across CloudStack stops in order while `serve` runs: every `interval`, failed exports are
/// retried (storage back after an outage) and stale copies another host took over are dropped. Ends at shutdown.
struct PreservationUpkeepService: Service {
    let service: CheckpointService
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = self.interval
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            await service.upkeepPreservedVMs()
        }
    }
}
