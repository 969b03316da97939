import Checkpoints
import Foundation
import Logging
import WSMan
import WinRMFixture

/// WS-Man round trips of CloudStack's stop and start with checkpoint preservation (DESIGN §10), counted against the
/// simulator (zero job delay, so polls are minimal: one per job).
enum LifecycleProfile {
    struct Figures {
        var step: String
        var requests: Int
    }

    static func run(logger: Logger) async throws -> [Figures] {
        let storage = SharedStorage()
        var configuration = HyperVSimulator.Configuration()
        configuration.storage = storage
        let simulator = HyperVSimulator(configuration: configuration)
        let counting = CountingTransport(base: InMemoryTransport(responder: simulator))
        let directory = NSTemporaryDirectory() + "hyperv-bench-lifecycle-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let service = CheckpointService(
            client: WSManClient(transport: counting), settings: .init(stateDirectory: directory), logger: logger)
        let settings = CheckpointService.PreservationSettings()
        let root = #"C:\ClusterStorage\Volume1\19ae8e67-cb2c-4ab4-901e-e0b864272b59.vhdx"#
        var figures: [Figures] = []
        func measure(_ step: String, _ body: () async throws -> Void) async rethrows {
            let before = counting.roundTrips
            try await body()
            figures.append(Figures(step: step, requests: counting.roundTrips - before))
        }
        try await measure("stop: running VM, 2 checkpoints (guest shutdown, mark, export)") {
            _ = try await service.preserveOnStop(vmName: "i-2-17-VM", force: false, settings: settings) { () }
        }
        try await measure("start: preserved VM on this host (Notes back, start)") {
            _ = try await service.restoreOnStart(vmName: "i-2-17-VM", rootDiskBase: root, settings: settings) { () }
        }
        _ = try await service.preserveOnStop(vmName: "i-2-17-VM", force: true, settings: settings) { () }
        await simulator.mutate { $0.destroyVM(id: "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F") }
        let fresh = CheckpointService(
            client: WSManClient(transport: counting),
            settings: .init(stateDirectory: directory + "-other-host"), logger: logger)
        defer { try? FileManager.default.removeItem(atPath: directory + "-other-host") }
        try await measure("start: VM gone, export found by CIM_DataFile (import in place, start)") {
            _ = try await fresh.restoreOnStart(vmName: "i-2-17-VM", rootDiskBase: root, settings: settings) { () }
        }
        try await measure("stop: VM without checkpoints (look only, then the legacy agent)") {
            _ = try await service.preserveOnStop(vmName: "i-2-18-VM", force: false, settings: settings) { () }
        }
        return figures
    }
}
