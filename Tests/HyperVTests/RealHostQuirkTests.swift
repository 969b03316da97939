import Checkpoints
import Foundation
import HyperV
import TestSupport
import Testing
import WSMan
import WSManCurl
import WinRMFixture

/// What real hosts do that a clean protocol description does not say, played by the simulator (each behaviour's
/// source is in its comment there) and handled by the agent.
@Suite struct RealHostQuirkTests {
    let vm = ServiceHarness.runningVM
    let vmID = ServiceHarness.runningVMID

    func named(_ name: String, _ harness: ServiceHarness) async -> [SimulatedHost.Checkpoint] {
        await harness.checkpoints(of: vmID).filter { $0.name == name }
    }

    /// JobState 32768 "completed with warnings" is a success (os-win jobutils).
    @Test func aJobCompletedWithWarningsIsASuccess() async throws {
        let harness = ServiceHarness.make()
        harness.faults.inject(.jobWarnings(method: "CreateSnapshot"))
        let report = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "warned", consistency: .withMemory))
        #expect(report.checkpoint?.name == "warned")
        #expect(await named("warned", harness).count == 1)
    }

    /// A few failed polls (a busy WMI service answering 500) are retried; more than five in a row are not.
    @Test func transientPollFailuresAreRetried() async throws {
        let harness = ServiceHarness.make(configure: { $0.jobDelayMilliseconds = 2000 })
        harness.faults.inject(.failJobPolls(count: 4))
        let report = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "bumpy", consistency: .withMemory))
        #expect(report.checkpoint?.name == "bumpy")

        let broken = ServiceHarness.make(configure: { $0.jobDelayMilliseconds = 2000 })
        broken.faults.inject(.failJobPolls(count: 50))
        let error = await #expect(throws: CheckpointError.self) {
            try await broken.service.take(TakeRequest(vmName: vm, checkpointName: "x", consistency: .withMemory))
        }
        #expect(error?.code == .hostUnreachable)
        #expect(error?.message.contains("polling job") == true, "\(error?.message ?? "")")
    }

    /// A job forgotten before its end was seen (retention time passed) is resolved through what it changed.
    @Test func aForgottenCreateJobIsResolvedThroughTheNewCheckpoint() async throws {
        let harness = ServiceHarness.make(configure: { $0.jobDelayMilliseconds = 1000 })
        harness.faults.inject(.vanishJob(method: "CreateSnapshot"))
        let before = await harness.checkpoints(of: vmID).count
        let report = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "adopted", consistency: .withMemory))
        #expect(report.checkpoint?.name == "adopted")
        #expect(await harness.checkpoints(of: vmID).count == before + 1, "exactly one new checkpoint, renamed")
    }

    @Test func forgottenStateApplyAndDestroyJobsAreResolvedThroughTheirEffects() async throws {
        let harness = ServiceHarness.make(configure: { $0.jobDelayMilliseconds = 1000 })
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "r", consistency: .withMemory))
        for method in ["RequestStateChange", "ApplySnapshot"] { harness.faults.inject(.vanishJob(method: method)) }
        let reverted = try await harness.service.revert(
            RevertRequest(vmName: vm, checkpointName: "r", power: .running))
        #expect(reverted.outcome == .reverted(running: true))
        harness.faults.inject(.vanishJob(method: "DestroySnapshot"))
        let deleted = try await harness.service.delete(DeleteRequest(vmName: vm, checkpointName: "r"))
        #expect(deleted.outcome == .deleted(count: 1, keptChildren: 0))
        #expect(await named("r", harness).isEmpty)
    }

    /// The agent died polling a CreateSnapshot job the host has forgotten since: the next take adopts the
    /// checkpoint the job made (the one not among those the journal recorded) instead of taking a second one.
    @Test func recoveryAdoptsTheCheckpointOfAForgottenJob() async throws {
        let clock = ManualClock.autoAdvancing()
        let first = ServiceHarness.make(clock: clock, lockFiles: false, configure: { $0.jobDelayMilliseconds = 500 }) {
            CrashingTransport(base: $0) { action, text in
                action.hasSuffix("/transfer/Get") && text.contains("Msvm_ConcreteJob")
            }
        }
        let crashing = try #require(first.service.hyperV.client.transport as? CrashingTransport)
        first.faults.inject(.vanishJob(method: "CreateSnapshot"))
        let request = TakeRequest(vmName: vm, checkpointName: "orphan", consistency: .withMemory)
        let abandoned = Task { try await first.service.take(request) }
        await crashing.crashed()
        let restarted = ServiceHarness.make(
            clock: clock, stateDirectory: first.stateDirectory, simulator: first.simulator)
        try await clock.hostClock.sleep(.seconds(1))  // the job has ended on the host, and been forgotten
        let report = try await restarted.service.take(request)
        #expect(report.outcome == .alreadyExisted, "\(report.summary)")
        #expect(await named("orphan", restarted).count == 1)
        #expect(await restarted.checkpoints(of: vmID).count == 3, "nothing taken twice")
        crashing.finish()
        _ = await abandoned.result
    }

    /// A VM in a transitional state refuses state changes (32775) until it settles
    /// (terraform-provider-hyperv waits for a stable state): the agent waits, bounded by the deadline.
    @Test(arguments: [(4, 3), (10, 2), (32773, 6)])
    func aTransitionalStateIsWaitedOut(transitional: Int, settlesTo: Int) async throws {
        let harness = ServiceHarness.make()
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "t", consistency: .crashConsistent))
        let now = harness.clock.epochSeconds()
        let id = vmID
        await harness.simulator.mutate { host in
            let index = host.vms.firstIndex { $0.id == id }!
            host.vms[index].state = transitional
            host.vms[index].settlesAt = now + 3
            host.vms[index].settlesTo = settlesTo
        }
        let report = try await harness.service.revert(RevertRequest(vmName: vm, checkpointName: "t", power: .off))
        #expect(report.outcome == .reverted(running: false))
        #expect(await harness.host.vm(id: vmID)?.state == 3)
        #expect(harness.clock.elapsed >= .seconds(3), "it waited for the VM to settle")
    }

    @Test func aVMThatNeverSettlesIsAClearError() async throws {
        let harness = ServiceHarness.make()
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "t", consistency: .crashConsistent))
        let id = vmID
        await harness.simulator.mutate { host in
            let index = host.vms.firstIndex { $0.id == id }!
            host.vms[index].state = 4
        }
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.revert(
                RevertRequest(vmName: vm, checkpointName: "t", power: .off, timeout: .seconds(60)))
        }
        #expect(error?.message.contains("Shutting down") == true, "\(error?.message ?? "")")
    }

    /// During a disk merge, CreateSnapshot / DestroySnapshot / RequestStateChange answer 32775 until it ends: the
    /// agent waits for the merge first.
    @Test func operationsWaitForAMergeInProgress() async throws {
        let harness = ServiceHarness.make()
        let now = harness.clock.epochSeconds()
        let id = vmID
        await harness.simulator.mutate { host in
            host.vms[host.vms.firstIndex { $0.id == id }!].mergingUntil = now + 5
        }
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "m", consistency: .withMemory))
        #expect(harness.clock.elapsed >= .seconds(5))
        await harness.simulator.mutate { host in
            host.vms[host.vms.firstIndex { $0.id == id }!].mergingUntil = now + 20
        }
        _ = try await harness.service.revert(RevertRequest(vmName: vm, checkpointName: "m", power: .running))
        #expect(harness.clock.elapsed >= .seconds(20))
    }

    /// Hyper-V names new checkpoints to the second: two taken within one second share a default name. The agent
    /// identifies each by its job, never by that name.
    @Test func checkpointsTakenInTheSameSecondAreTellApart() async throws {
        let harness = ServiceHarness.make()
        let first = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "one", consistency: .withMemory))
        let second = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "two", consistency: .withMemory))
        #expect(first.checkpoint?.id != second.checkpoint?.id)
        let one = await named("one", harness)
        let two = await named("two", harness)
        #expect(one.count == 1 && two.count == 1)
        #expect(second.checkpoint?.parentID == first.checkpoint?.id)
    }

    /// Saved (6) and Paused (9) VMs: a revert discards the saved state / turns the paused VM off first.
    @Test(arguments: [6, 9])
    func savedAndPausedVMsRevert(state: Int) async throws {
        let harness = ServiceHarness.make()
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "s", consistency: .crashConsistent))
        let id = vmID
        await harness.simulator.mutate { host in host.vms[host.vms.firstIndex { $0.id == id }!].state = state }
        let report = try await harness.service.revert(RevertRequest(vmName: vm, checkpointName: "s", power: .off))
        #expect(report.outcome == .reverted(running: false))
        #expect(await harness.host.vm(id: vmID)?.state == 3)
    }

    /// End to end through libcurl and the HTTP fixture: while the agent waits for a job, the connection drops,
    /// the service answers 500 and then garbage — the take still ends with its checkpoint.
    @Test func transientFailuresOverTheWireWhilePolling() async throws {
        let clock = ManualClock(held: true)
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configuration.jobDelayMilliseconds = 3000
        let faults = FaultInjector()
        let simulator = HyperVSimulator(configuration: configuration, faults: faults)
        let fixture = try await FixtureServer.startQuiet(
            simulator, user: "quirk-operator", password: "quirk-pw-7", faults: faults, inspector: simulator)
        try await using(fixture) { fixture in
            var settings = CurlTransportConfiguration(url: fixture.url)
            settings.allowUnencrypted = true
            settings.authentication = .basic
            settings.username = "quirk-operator"
            settings.password = "quirk-pw-7"
            settings.timeoutSeconds = 10
            let transport = try CurlTransport(configuration: settings)
            let harness = ServiceHarness.make(clock: clock, simulator: simulator, transport: { _ in transport })
            let take = Task {
                try await harness.service.take(
                    TakeRequest(vmName: vm, checkpointName: "wire", consistency: .withMemory))
            }
            await clock.waitForSleepers(1)  // inside the job wait: the next requests are polls
            for fault in [InjectedFault.dropConnection, .internalError, .malformedBody] { faults.inject(fault) }
            clock.release()
            let report = try await take.value
            #expect(report.checkpoint?.name == "wire")
            #expect(faults.count == 0, "every fault was met")
            #expect(await named("wire", harness).count == 1)
        }
    }
}
