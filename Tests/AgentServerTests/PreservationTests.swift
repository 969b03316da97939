import Checkpoints
import CloudStack
import Foundation
import HyperV
import Logging
import TestSupport
import Testing
import WSMan
import WinRMFixture

/// DESIGN §10 end to end: `serve`'s channel (with checkpoint preservation) → `winrm-fixture legacy-agent` as
/// `agent.upstream` (destroys on stop, re-creates on start, like CloudStack's C# agent) → the simulated host, with
/// CloudStack's own StopCommand/StartCommand bodies.
@Suite struct PreservationTests {
    static let vm = "i-2-17-VM"
    static let vmID = "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F"
    static let exportRoot = #"C:\ClusterStorage\Volume1\hyperv-agent-export"#

    /// A simulated host served over HTTP (the legacy agent reaches it there), the legacy agent, and the channel.
    struct Setup: AsyncStoppable {
        let simulator: HyperVSimulator
        let fixture: RunningFixture
        let legacy: LegacyAgent.Running
        let channel: ChannelHarness
        let storage: SharedStorage

        static func start(
            storage: SharedStorage = SharedStorage(), host: SimulatedHost = .defaultInventory(),
            stateDirectory: String? = nil, jobDelayMilliseconds: Int = 0
        ) async throws -> Setup {
            let clock = ManualClock.autoAdvancing()
            var host = host
            // The VMs as the C# agent defined them.
            for index in host.vms.indices { host.vms[index].notes = HyperVSimulator.legacyNotes }
            var configuration = HyperVSimulator.Configuration()
            configuration.storage = storage
            configuration.clock = clock.epochSeconds
            configuration.jobDelayMilliseconds = jobDelayMilliseconds
            let simulator = HyperVSimulator(host: host, configuration: configuration)
            let fixture = try await FixtureServer.startQuiet(
                simulator, user: "legacy", password: "legacy-pw", inspector: simulator)
            let legacy = try await LegacyAgent.start(host: fixture.url, logger: Self.quiet)
            var lifecycle = CheckpointService.PreservationSettings()
            lifecycle.shutdownTimeout = .seconds(30)
            let channel = try await ChannelHarness.start(
                configure: { $0.upstream = legacy.url }, clock: clock, stateDirectory: stateDirectory,
                simulator: simulator, lifecycle: lifecycle)
            return Setup(simulator: simulator, fixture: fixture, legacy: legacy, channel: channel, storage: storage)
        }

        static var quiet: Logger {
            var logger = Logger(label: "legacy")
            logger.logLevel = .critical
            return logger
        }

        func stop() async {
            await channel.stop()
            await legacy.stop()
            await fixture.stop()
        }

        func post(_ commandClass: String, _ body: [UInt8]) async throws -> (String, JSONValue) {
            let reply = try await channel.post(commandClass, body)
            return try #require(reply.answer, "\(reply.status) \(reply.text)")
        }

        var host: SimulatedHost { get async { await simulator.host } }
    }

    static func stop(expunge: Bool = false, force: Bool = false) throws -> [UInt8] {
        var text = String(decoding: try ChannelHarness.sample("stop"), as: UTF8.self)
        if expunge { text = text.replacingOccurrences(of: #""forceStop":false"#, with: #""forceStop":false,"expungeVM":true"#) }
        if force { text = text.replacingOccurrences(of: #""forceStop":false"#, with: #""forceStop":true"#) }
        return Array(text.utf8)
    }

    static func start(vm: String = vm) throws -> [UInt8] {
        Array(
            String(decoding: try ChannelHarness.sample("start"), as: UTF8.self)
                .replacingOccurrences(of: "i-2-17-VM", with: vm).utf8)
    }

    @Test func stopAndStartKeepTheVMItsTreeAndARevertWorks() async throws {
        let setup = try await Setup.start()
        try await using(setup) { setup in
            let before = await setup.host
            let tree = before.checkpoints(ofVM: Self.vmID)
            #expect(tree.count == 2)

            let (stopClass, stopped) = try await setup.post(CommandClass.stop, try Self.stop())
            #expect(stopClass == AnswerClass.stop)
            #expect(stopped["result"]?.boolValue == true, "\(stopped)")
            #expect(stopped["details"]?.stringValue?.contains("kept registered with its 2 checkpoints") == true)
            var host = await setup.host
            let kept = try #require(host.vm(id: Self.vmID))
            #expect(kept.state == 3)
            #expect(PreservedNotes.isMarked(kept.notes ?? ""))
            #expect(!(kept.notes ?? "").contains("CloudStack"), "the C# agent scrubs Off VMs whose Notes say CloudStack")
            #expect(
                setup.storage.exports.map(\.definitionFile) == [
                    "\(Self.exportRoot)\\\(Self.vm)\\Virtual Machines\\\(Self.vmID).vmcx"
                ])

            // `checkpoints list` and `probe` say so.
            let client = WSManClient(transport: InMemoryTransport(responder: setup.simulator))
            let service = CheckpointService(
                client: client, settings: .init(stateDirectory: setup.channel.stateDirectory),
                clock: setup.channel.clock.hostClock)
            #expect(try await service.inspect(vmName: Self.vm).preserved)
            #expect(try await HostProbe(client: client).run().preservedVMs == 1)

            let (startClass, started) = try await setup.post(CommandClass.start, try Self.start())
            #expect(startClass == AnswerClass.start)
            #expect(started["result"]?.boolValue == true, "\(started)")
            #expect(started["details"]?.stringValue?.contains("already running") == true, "the legacy agent found it running")
            host = await setup.host
            let back = try #require(host.vm(id: Self.vmID))
            #expect(back.state == 2)
            #expect(back.notes == HyperVSimulator.legacyNotes, "the Notes are back")
            #expect(host.checkpoints(ofVM: Self.vmID) == tree)
            #expect(back.currentCheckpointID == before.vm(id: Self.vmID)?.currentCheckpointID)
            #expect(try await service.inspect(vmName: Self.vm).preserved == false)

            let (_, reverted) = try await setup.post(CommandClass.revertToVMSnapshot, try ChannelHarness.sample("revert"))
            #expect(reverted["result"]?.boolValue == true, "\(reverted)")
            let (_, deleted) = try await setup.post(CommandClass.deleteVMSnapshot, try ChannelHarness.sample("delete"))
            #expect(deleted["result"]?.boolValue == true, "\(deleted)")
        }
    }

    @Test func aVMWithoutCheckpointsKeepsTheLegacyBehaviour() async throws {
        let setup = try await Setup.start()
        try await using(setup) { setup in
            let body = Array(
                String(decoding: try Self.stop(), as: UTF8.self).replacingOccurrences(of: Self.vm, with: "i-2-18-VM")
                    .utf8)
            let (_, answer) = try await setup.post(CommandClass.stop, body)
            #expect(answer["result"]?.boolValue == true)
            #expect(answer["details"]?.stringValue?.contains("destroyed (DestroyVm)") == true, "\(answer)")
            #expect(await setup.host.vms.contains { $0.name == "i-2-18-VM" } == false)
            #expect(setup.storage.exports.isEmpty)
        }
    }

    @Test func aPreservedVMDestroyedBehindOurBackIsImportedInPlace() async throws {
        let setup = try await Setup.start()
        try await using(setup) { setup in
            let tree = await setup.host.checkpoints(ofVM: Self.vmID)
            _ = try await setup.post(CommandClass.stop, try Self.stop())
            await setup.simulator.mutate { $0.destroyVM(id: Self.vmID) }  // an operator, or the C# agent's scrub
            #expect(await setup.host.vm(id: Self.vmID) == nil)

            let (_, started) = try await setup.post(CommandClass.start, try Self.start())
            #expect(started["result"]?.boolValue == true, "\(started)")
            let host = await setup.host
            let vm = try #require(host.vm(id: Self.vmID), "same id")
            #expect(vm.state == 2)
            #expect(host.checkpoints(ofVM: Self.vmID) == tree)
            #expect(vm.notes == HyperVSimulator.legacyNotes)
        }
    }

    @Test func startedOnAnotherHostOverTheSameStorage() async throws {
        let storage = SharedStorage()
        let first = try await Setup.start(storage: storage)
        try await using(first) { first in
            var empty = SimulatedHost()
            empty.hostName = "HV-B"
            let second = try await Setup.start(storage: storage, host: empty)
            try await using(second) { second in
                let tree = await first.host.checkpoints(ofVM: Self.vmID)
                _ = try await first.post(CommandClass.stop, try Self.stop())
                let (_, started) = try await second.post(CommandClass.start, try Self.start())
                #expect(started["result"]?.boolValue == true, "\(started)")
                let host = await second.host
                #expect(host.vm(id: Self.vmID)?.state == 2)
                #expect(host.checkpoints(ofVM: Self.vmID) == tree)
                // Revert on the new host works.
                let (_, reverted) = try await second.post(
                    CommandClass.revertToVMSnapshot, try ChannelHarness.sample("revert"))
                #expect(reverted["result"]?.boolValue == true, "\(reverted)")
                // The first host drops its stale copy at its next upkeep (serve's periodic one), disks kept.
                let files = await first.host.files
                #expect(await first.host.vm(id: Self.vmID) != nil)
                let firstAgent = CheckpointService(
                    client: WSManClient(transport: InMemoryTransport(responder: first.simulator)),
                    settings: .init(stateDirectory: first.channel.stateDirectory), clock: first.channel.clock.hostClock)
                await firstAgent.upkeepPreservedVMs()
                #expect(await first.host.vm(id: Self.vmID) == nil)
                #expect(await first.host.files == files)
            }
        }
    }

    @Test func aFailedExportKeepsTheVMAndIsRetried() async throws {
        let setup = try await Setup.start()
        try await using(setup) { setup in
            setup.storage.setUnreachable(Self.exportRoot)
            let (_, stopped) = try await setup.post(CommandClass.stop, try Self.stop())
            #expect(stopped["result"]?.boolValue == true, "the VM is stopped and nothing is lost")
            #expect(stopped["details"]?.stringValue?.contains("failed") == true, "\(stopped)")
            #expect(stopped["details"]?.stringValue?.contains("will be retried") == true)
            #expect(setup.storage.exports.isEmpty)
            let store = PreservationStore(stateDirectory: setup.channel.stateDirectory)
            #expect(store.record(Self.vm)?.exported == false)
            #expect(await setup.host.vm(id: Self.vmID)?.state == 3, "still registered, off")

            setup.storage.setUnreachable(Self.exportRoot, false)
            // A restarted agent retries at start (serve's recovery service runs this).
            let service = CheckpointService(
                client: WSManClient(transport: InMemoryTransport(responder: setup.simulator)),
                settings: .init(stateDirectory: setup.channel.stateDirectory), clock: setup.channel.clock.hostClock)
            await service.upkeepPreservedVMs()
            #expect(store.record(Self.vm)?.exported == true)
            #expect(setup.storage.exports.count == 1)
            let (_, started) = try await setup.post(CommandClass.start, try Self.start())
            #expect(started["result"]?.boolValue == true)
            #expect(store.record(Self.vm) == nil, "restored: the record is gone")
        }
    }

    @Test func anAgentKilledAfterMarkingTheVMFinishesTheStopLater() async throws {
        let setup = try await Setup.start()
        try await using(setup) { setup in
            // What a stop killed after its first steps leaves: the VM off and marked, the record, no export.
            let store = PreservationStore(stateDirectory: setup.channel.stateDirectory)
            try store.save(
                .init(
                    vmName: Self.vm, vmID: Self.vmID, originalNotes: "", exportDirectory: Self.exportRoot,
                    exported: false, lastError: nil, stoppedAt: Date()))
            await setup.simulator.mutate { host in
                guard let index = host.vms.firstIndex(where: { $0.id == Self.vmID }) else { return }
                host.vms[index].state = 3
                host.vms[index].notes = PreservedNotes.mark(original: "")
            }
            // CloudStack re-sends the stop: answered here, the export done.
            let (_, stopped) = try await setup.post(CommandClass.stop, try Self.stop())
            #expect(stopped["result"]?.boolValue == true, "\(stopped)")
            #expect(setup.storage.exports.count == 1)
            let (_, started) = try await setup.post(CommandClass.start, try Self.start())
            #expect(started["result"]?.boolValue == true)
            #expect(await setup.host.checkpoints(ofVM: Self.vmID).count == 2)
        }
    }

    @Test func aStartDuringTheStopsExportWaitsAndNeverRecreatesTheVM() async throws {
        let setup = try await Setup.start(jobDelayMilliseconds: 400)
        try await using(setup) { setup in
            let tree = await setup.host.checkpoints(ofVM: Self.vmID)
            async let stopping = setup.post(CommandClass.stop, try Self.stop())
            async let starting = setup.post(CommandClass.start, try Self.start())
            let ((_, stopped), (_, started)) = try await (stopping, starting)
            #expect(stopped["result"]?.boolValue == true, "\(stopped)")
            #expect(started["result"]?.boolValue == true, "\(started)")
            let host = await setup.host
            // Whichever came first, the VM is the same one with its tree: never re-created without checkpoints.
            #expect(host.vm(id: Self.vmID) != nil)
            #expect(host.checkpoints(ofVM: Self.vmID) == tree)
            #expect(host.vms.filter { $0.name == Self.vm }.count == 1)
        }
    }

    @Test func expungeRemovesThePreservedVMBeforeTheLegacyAgent() async throws {
        let setup = try await Setup.start()
        try await using(setup) { setup in
            let files = await setup.host.files
            _ = try await setup.post(CommandClass.stop, try Self.stop())
            let (_, expunged) = try await setup.post(CommandClass.stop, try Self.stop(expunge: true))
            #expect(expunged["result"]?.boolValue == true, "\(expunged)")
            let host = await setup.host
            #expect(host.vm(id: Self.vmID) == nil)
            #expect(host.files == files, "files stay for CloudStack to delete")
            #expect(setup.storage.exports.isEmpty, "the export went with it")
            #expect(PreservationStore(stateDirectory: setup.channel.stateDirectory).record(Self.vm) == nil)
        }
    }

    @Test func forceStopTurnsTheVMOffAtOnce() async throws {
        let setup = try await Setup.start()
        try await using(setup) { setup in
            let (_, stopped) = try await setup.post(CommandClass.stop, try Self.stop(force: true))
            #expect(stopped["result"]?.boolValue == true)
            #expect(await setup.host.vm(id: Self.vmID)?.state == 3)
        }
    }
}
