import Checkpoints
import Foundation
import HyperV
import Logging
import WSMan
import WSManCurl
import WinRMFixture

/// The real-host profile of `make bench` (DESIGN §12): the checkpoint service through libcurl against
/// `winrm-fixture simulate` with 25 ms per request, 1 s checkpoint and power jobs and 100 ms settings jobs.
/// Per command: median wall time, round trips, the floor (job time on the critical path + the protocol's minimum
/// sequential round trips × latency) and the ratio.
struct RealHostProfile {
    let model = CostModel.realHost
    let runs: Int

    struct Row {
        var label: String
        var times: [Double] = []
        var trips: [Int] = []
        var floors: [Double] = []
    }

    /// Two running 2-disk VMs: `prod` has checkpoint type Production (quiesced checkpoints need no type change),
    /// `std` has Standard (memory checkpoints need none).
    static func host() -> SimulatedHost {
        var host = SimulatedHost()
        for (name, type) in [("prod", 3), ("std", 5)] {
            host.addVM(
                name: name, state: 2,
                disks: [(#"C:\VMs\\#(name)-root.vhdx"#, 1 << 35), (#"C:\VMs\\#(name)-data.vhdx"#, 1 << 34)],
                userSnapshotType: type)
        }
        return host
    }

    func run(logger: Logger) async throws -> [Row] {
        let simulator = HyperVSimulator(host: Self.host())
        let (fixture, transport) = try await serve(simulator)
        let counting = CountingTransport(base: transport)
        let stateDirectory = NSTemporaryDirectory() + "hyperv-bench-real-\(getpid())"
        let service = CheckpointService(
            client: WSManClient(transport: counting), settings: .init(stateDirectory: stateDirectory), logger: logger)
        // Two checkpoints per VM before measuring (zero cost), so chains are 3 files deep as on a used VM.
        for vm in ["prod", "std"] {
            for index in 0..<2 {
                _ = try await service.take(
                    TakeRequest(vmName: vm, checkpointName: "\(vm)-base-\(index)", consistency: .crashConsistent))
            }
        }
        await simulator.setCostModel(model)
        let latency = Double(model.latencyMilliseconds)
        let job = Double(model.jobDelayMilliseconds)
        let settingsJob = Double(model.settingsDelayMilliseconds)
        var rows: [String: Row] = [:]
        var order: [String] = []
        func measure(_ label: String, floor: (CheckpointReport) -> Double, _ body: () async throws -> CheckpointReport)
            async throws
        {
            let before = counting.roundTrips
            let start = ContinuousClock.now
            let report = try await body()
            let elapsed = ms(ContinuousClock.now - start)
            if rows[label] == nil { order.append(label) }
            rows[label, default: Row(label: label)].times.append(elapsed)
            rows[label, default: Row(label: label)].trips.append(counting.roundTrips - before)
            rows[label, default: Row(label: label)].floors.append(floor(report))
        }
        for index in 0..<runs {
            // Minimum sequential round trips: find VM, settings + checkpoints, CreateSnapshot, 1 poll, the job's
            // checkpoint, rename + 1 poll (the disk walk runs during the rename).
            try await measure(
                "quiesced disk checkpoint, running 2-disk VM", floor: { _ in job + settingsJob + 7 * latency }
            ) {
                try await service.take(
                    TakeRequest(vmName: "prod", checkpointName: "q\(index)", consistency: .applicationConsistent))
            }
            try await measure("memory checkpoint, running 2-disk VM", floor: { _ in job + settingsJob + 7 * latency }) {
                try await service.take(
                    TakeRequest(vmName: "std", checkpointName: "m\(index)", consistency: .withMemory))
            }
            // find VM, settings, turn off + 1 poll, apply + 1 poll, disks: allocation + the new active files.
            try await measure(
                "revert running VM to a disk checkpoint (ends off)", floor: { _ in 2 * job + 8 * latency }
            ) {
                try await service.revert(
                    RevertRequest(vmName: "prod", checkpointName: "q\(index)", power: .asCheckpoint))
            }
            // The same, then start + 1 poll while the disks are read.
            try await measure(
                "revert running VM to a memory checkpoint (ends running)", floor: { _ in 3 * job + 8 * latency }
            ) {
                try await service.revert(
                    RevertRequest(vmName: "std", checkpointName: "m\(index)", power: .asCheckpoint))
            }
            await simulator.mutate { host in
                if let vm = host.vms.firstIndex(where: { $0.name == "prod" }) { host.vms[vm].state = 2 }
            }
            // find VM, settings, destroy + 1 poll, merge check, allocation, then every file of the merged chain.
            try await measure(
                "delete a checkpoint",
                floor: { report in job + (6 + Double(report.storage.disks.map(\.chain.count).max() ?? 1)) * latency }
            ) {
                try await service.delete(DeleteRequest(vmName: "prod", checkpointName: "q\(index)"))
            }
            _ = try await service.delete(DeleteRequest(vmName: "std", checkpointName: "m\(index)"))
        }
        await fixture.stop()
        try? FileManager.default.removeItem(atPath: stateDirectory)
        return order.compactMap { rows[$0] }
    }

    /// Detection lag of single jobs of several durations (one poll loop each): how long after the job finished on
    /// the host the agent knew, against the bar of 10% of the duration + one round trip.
    func detectionLag(logger: Logger) async throws -> [(Int, Double, Int)] {
        var results: [(Int, Double, Int)] = []
        for duration in [100, 1_000, 5_000] {
            let simulator = HyperVSimulator(host: Self.host())
            var costs = model
            costs.jobDelayMilliseconds = duration
            await simulator.setCostModel(costs)
            let (fixture, transport) = try await serve(simulator)
            let counting = CountingTransport(base: transport)
            let client = HyperVClient(client: WSManClient(transport: counting), logger: logger)
            let vm = try await client.findVM(named: "std")
            let request = InvokeRequest(
                resourceURI: Msvm.uri(Msvm.computerSystem), method: "RequestStateChange", selectors: vm.selectors,
                parameters: [.scalar("RequestedState", "3")])
            let sent = ContinuousClock.now
            guard let job = try await client.client.invoke(request).job else {
                throw HyperVError(.unexpectedAnswer, "RequestStateChange answered without a job", vm: vm.name)
            }
            // The job started on the host half a round trip after the request left.
            let started = sent + .milliseconds(model.latencyMilliseconds / 2)
            let before = counting.roundTrips
            try await client.waitForJob(
                job, method: "RequestStateChange", vm: vm, deadline: .now + .seconds(60))
            let lag = ms(ContinuousClock.now - started) - Double(duration)
            results.append((duration, lag, counting.roundTrips - before))
            await fixture.stop()
        }
        return results
    }
}
