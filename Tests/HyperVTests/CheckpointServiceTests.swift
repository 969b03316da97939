import Checkpoints
import Foundation
import HyperV
import TestSupport
import Testing
import WinRMFixture

@Suite struct TakeTests {
    let vm = ServiceHarness.runningVM
    let vmID = ServiceHarness.runningVMID

    @Test(arguments: [
        (ConsistencyRequest.withMemory, true, "disk and memory"),
        (.applicationConsistent, false, "application-consistent (production checkpoint)"),
        (.crashConsistent, false, "crash-consistent (standard checkpoint, saved memory dropped)"),
    ])
    func eachConsistencyOnARunningVM(request: ConsistencyRequest, memory: Bool, description: String) async throws {
        let harness = ServiceHarness.make()
        let report = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "c", consistency: request))
        guard case .created(let achieved) = report.outcome else {
            Issue.record("not created: \(report.outcome)")
            return
        }
        #expect(achieved.kind == request)
        #expect(achieved.description.hasPrefix(description))
        #expect(report.checkpoint?.hasMemory == memory)
        let host = await harness.host
        let created = try #require(host.checkpoints.first { $0.name == "c" })
        #expect(created.hasMemory == memory)
        #expect(report.currentCheckpointID == created.id)
        #expect(host.vm(id: vmID)?.userSnapshotType == 5, "the VM's own checkpoint type is back")
        #expect(report.storage.disks.count == 2)
        #expect(harness.service.journal.all.isEmpty)
    }

    @Test func aStoppedVMGetsADiskCheckpointButNotMemory() async throws {
        let harness = ServiceHarness.make()
        let report = try await harness.service.take(
            TakeRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "off", consistency: .applicationConsistent))
        #expect(report.summary.contains("disk only (the VM is Off)"))
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.take(
                TakeRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "m", consistency: .withMemory))
        }
        #expect(error?.code == .memoryNeedsRunningVM)
        #expect(await harness.checkpoints(of: ServiceHarness.stoppedVMID).map(\.name) == ["off"])
    }

    @Test func aReSentTakeFindsTheCheckpointInsteadOfTakingASecond() async throws {
        let harness = ServiceHarness.make()
        let request = TakeRequest(vmName: vm, checkpointName: "again", consistency: .crashConsistent)
        let first = try await harness.service.take(request)
        let second = try await harness.service.take(request)
        #expect(second.outcome == .alreadyExisted)
        #expect(second.checkpoint?.id == first.checkpoint?.id)
        #expect(await harness.checkpoints(of: vmID).filter { $0.name == "again" }.count == 1)
    }

    @Test func disabledCheckpointsAndTheLimitAreNamed() async throws {
        let harness = ServiceHarness.make()
        await harness.simulator.mutate { $0.vms[0].userSnapshotType = 2 }
        let disabled = await #expect(throws: CheckpointError.self) {
            try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "x", consistency: .crashConsistent))
        }
        #expect(disabled?.code == .checkpointsDisabled)
        #expect(disabled?.message.contains("UserSnapshotType = Disabled") == true)
        var limited = ServiceHarness.make()
        limited.service.settings.maxCheckpoints = 2
        let full = await #expect(throws: CheckpointError.self) {
            try await limited.service.take(TakeRequest(vmName: vm, checkpointName: "x", consistency: .crashConsistent))
        }
        #expect(full?.code == .checkpointLimit)
        #expect(full?.vm == vm && full?.checkpoint == "x")
    }

    @Test func aGuestThatCannotQuiesceFallsBackToCrashConsistent() async throws {
        let harness = ServiceHarness.make()
        await harness.simulator.mutate { $0.vms[0].guestCanQuiesce = false }
        let report = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "fb", consistency: .applicationConsistent))
        guard case .created(let achieved) = report.outcome else {
            Issue.record("not created")
            return
        }
        #expect(achieved.kind == .crashConsistent)
        #expect(achieved.fallbackReason?.contains("could not be quiesced") == true)
        let host = await harness.host
        #expect(host.checkpoints.first { $0.name == "fb" }?.hasMemory == false)
        #expect(host.vm(id: vmID)?.userSnapshotType == 5)
    }

    /// The fallback changes the type although the plan did not (the VM is ProductionOnly already): it must be
    /// journaled and put back.
    @Test func theFallbackRestoresAProductionOnlyVM() async throws {
        let harness = ServiceHarness.make()
        await harness.simulator.mutate {
            $0.vms[0].guestCanQuiesce = false
            $0.vms[0].userSnapshotType = 4
        }
        _ = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "fb4", consistency: .applicationConsistent))
        #expect(await harness.host.vm(id: vmID)?.userSnapshotType == 4)
        #expect(harness.service.journal.all.isEmpty)
    }

    @Test func withFallbackFailNothingIsTakenAndTheTypeIsBack() async throws {
        let harness = ServiceHarness.make(fallback: .fail)
        await harness.simulator.mutate { $0.vms[0].guestCanQuiesce = false }
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.take(
                TakeRequest(vmName: vm, checkpointName: "strict", consistency: .applicationConsistent))
        }
        #expect(error?.code == .quiesceFailed)
        #expect(error?.message.contains("hyperv.quiesce_fallback = fail") == true)
        let host = await harness.host
        #expect(!host.checkpoints.contains { $0.name == "strict" })
        #expect(host.vm(id: vmID)?.userSnapshotType == 5)
        #expect(harness.service.journal.all.isEmpty)
    }

    @Test func aFailedJobIsAJobFailureWithHyperVsCode() async throws {
        let harness = ServiceHarness.make()
        harness.faults.inject(.failJob(method: "CreateSnapshot", errorCode: 32768))
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.take(
                TakeRequest(vmName: vm, checkpointName: "boom", consistency: .crashConsistent))
        }
        #expect(error?.code == .jobFailed)
        #expect(error?.underlying?.jobErrorCode == 32768)
        #expect(await harness.host.vm(id: vmID)?.userSnapshotType == 5)
    }

    @Test func aJobThatOutlivesTheTimeoutTimesOutAtTheDeadline() async throws {
        let clock = ManualClock.autoAdvancing()
        let harness = ServiceHarness.make(clock: clock) { $0.jobDelayMilliseconds = 3_600_000 }
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.take(
                TakeRequest(
                    vmName: ServiceHarness.stoppedVM, checkpointName: "slow", consistency: .crashConsistent,
                    timeout: .seconds(30)))
        }
        #expect(error?.code == .jobTimedOut)
        #expect(error?.message.contains("retry the command later") == true)
        #expect(
            clock.elapsed >= .seconds(30) && clock.elapsed < .seconds(33), "gave up at the deadline: \(clock.elapsed)")
    }
}

@Suite struct RevertAndDeleteTests {
    let vm = ServiceHarness.runningVM
    let vmID = ServiceHarness.runningVMID
    let root = "i-2-17-VM_VS_20261127101500"
    let memoryCheckpoint = "i-2-17-VM_VS_20261127113000"

    @Test(arguments: [
        (PowerAfterRevert.asCheckpoint, "i-2-17-VM_VS_20261127113000", true),
        (.asCheckpoint, "i-2-17-VM_VS_20261127101500", false),
        (.running, "i-2-17-VM_VS_20261127101500", true),
        (.off, "i-2-17-VM_VS_20261127113000", false),
    ])
    func powerAfterRevert(power: PowerAfterRevert, checkpoint: String, running: Bool) async throws {
        let harness = ServiceHarness.make()
        let report = try await harness.service.revert(
            RevertRequest(vmName: vm, checkpointName: checkpoint, power: power))
        #expect(report.outcome == .reverted(running: running))
        let host = await harness.host
        #expect(host.vm(id: vmID)?.state == (running ? 2 : 3))
        #expect(host.vm(id: vmID)?.currentCheckpointID == report.checkpoint?.id)
    }

    @Test func revertToAMissingCheckpointIsNamed() async throws {
        let harness = ServiceHarness.make()
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.revert(RevertRequest(vmName: vm, checkpointName: "nope", power: .off))
        }
        #expect(error?.code == .checkpointNotFound)
        #expect(await harness.host.vm(id: vmID)?.state == 2)
    }

    @Test func anUnknownVMIsNamed() async throws {
        let harness = ServiceHarness.make()
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.delete(DeleteRequest(vmName: "i-404-VM", checkpointName: "x"))
        }
        #expect(error?.code == .vmNotFound)
        #expect(error?.message.contains("i-404-VM was not found") == true)
    }

    @Test func deleteOneKeepsItsChildren() async throws {
        let harness = ServiceHarness.make()
        let report = try await harness.service.delete(DeleteRequest(vmName: vm, checkpointName: root))
        #expect(report.outcome == .deleted(count: 1, keptChildren: 1))
        #expect(await harness.checkpoints(of: vmID).map(\.name) == [memoryCheckpoint])
        let again = try await harness.service.delete(DeleteRequest(vmName: vm, checkpointName: root))
        #expect(again.outcome == .alreadyAbsent)
    }

    @Test func deleteSubtreeRemovesEverythingBelow() async throws {
        let harness = ServiceHarness.make()
        let report = try await harness.service.delete(DeleteRequest(vmName: vm, checkpointName: root, scope: .subtree))
        #expect(report.outcome == .deleted(count: 2, keptChildren: 0))
        #expect(report.currentCheckpointID == nil)
        #expect(await harness.checkpoints(of: vmID).isEmpty)
        #expect(report.storage.disks.allSatisfy { $0.chain.count == 1 }, "back on the base disks")
    }

    @Test func deleteAllOfATree() async throws {
        let harness = ServiceHarness.make()
        for name in ["a", "b"] {
            _ = try await harness.service.take(
                TakeRequest(vmName: ServiceHarness.stoppedVM, checkpointName: name, consistency: .crashConsistent))
        }
        _ = try await harness.service.revert(
            RevertRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "a", power: .off))
        _ = try await harness.service.take(
            TakeRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "c", consistency: .crashConsistent))
        let report = try await harness.service.delete(
            DeleteRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "", scope: .all))
        #expect(report.outcome == .deleted(count: 3, keptChildren: 0))
        #expect(await harness.checkpoints(of: ServiceHarness.stoppedVMID).isEmpty)
        let none = try await harness.service.delete(
            DeleteRequest(vmName: ServiceHarness.stoppedVM, checkpointName: "", scope: .all))
        #expect(none.outcome == .alreadyAbsent)
    }

    @Test func inspectReadsTheTreeAndDisksWithoutLocking() async throws {
        let harness = ServiceHarness.make()
        let found = try await harness.service.inspect(vmName: vm)
        #expect(found.tree.checkpoints.count == 2)
        #expect(found.tree.currentID == "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A")
        #expect(found.storage.memoryMB == 2048)
        #expect(!FileManager.default.fileExists(atPath: harness.stateDirectory + "/locks"))
    }
}
