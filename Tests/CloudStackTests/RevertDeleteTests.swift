import Checkpoints
import CloudStack
import Foundation
import TestSupport
import Testing
import WinRMFixture

@Suite struct RevertDeleteTests {
    @Test func revertToAMemoryCheckpointLeavesTheVMRunning() async throws {
        let harness = EngineHarness.make()
        let answer = await harness.revert(Commands.revert("i-2-17-VM_VS_20261127113000", type: "DiskAndMemory"))
        #expect(answer.result, "\(answer.details)")
        #expect(answer["vmState"]?.stringValue == "PowerOn")
        let host = await harness.simulator.host
        #expect(host.vm(id: runningVMID)?.state == 2)
        #expect(host.vm(id: runningVMID)?.currentCheckpointID == "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A")
        #expect(answer.volumes.first?.chainInfo?["checkpointId"]?.stringValue == "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A")
        let invocations = await harness.simulator.invocations
        #expect(invocations.filter { $0 == "RequestStateChange" }.count == 2)  // off, then start
    }

    @Test func revertToADiskCheckpointLeavesTheVMOff() async throws {
        let harness = EngineHarness.make()
        let answer = await harness.revert(Commands.revert("i-2-17-VM_VS_20261127101500"))
        #expect(answer.result)
        #expect(answer["vmState"]?.stringValue == "PowerOff")
        let host = await harness.simulator.host
        #expect(host.vm(id: runningVMID)?.state == 3)
        let active = host.vm(id: runningVMID)!.disks.map(\.activePath)
        #expect(
            answer.volumes.compactMap { $0["path"]?.stringValue }
                == active.map { String($0.split(separator: "\\").last!) })
        #expect(
            zip(active, host.checkpoint(id: "7C1E2D3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F")!.diskPaths).allSatisfy {
                host.file(path: $0.0)?.parentPath == $0.1
            })
    }

    @Test func revertToAMissingCheckpointChangesNothing() async throws {
        let harness = EngineHarness.make()
        let answer = await harness.revert(Commands.revert("nope"))
        #expect(!answer.result)
        #expect(answer.details.contains("checkpoint nope was not found on VM i-2-17-VM"))
        #expect(await harness.simulator.host.vm(id: runningVMID)?.state == 2)
    }

    /// The seed's tree: root → A → B, A → C; revert to every node; delete current, any, all.
    @Test func treeScenarioFromTheSeed() async throws {
        let harness = EngineHarness.make()
        let vm = "i-2-18-VM"
        #expect(await harness.create(Commands.create(vm: vm, "root")).result)
        #expect(await harness.create(Commands.create(vm: vm, "A")).result)
        #expect(await harness.create(Commands.create(vm: vm, "B")).result)
        #expect(await harness.revert(Commands.revert(vm: vm, "A")).result)
        #expect(await harness.create(Commands.create(vm: vm, "C")).result)
        var host = await harness.simulator.host
        func id(_ name: String) -> String? { host.checkpoints.first { $0.name == name }?.id }
        #expect(host.checkpoints.first { $0.name == "B" }?.parentID == id("A"))
        #expect(host.checkpoints.first { $0.name == "C" }?.parentID == id("A"))
        #expect(host.checkpoints.first { $0.name == "A" }?.parentID == id("root"))
        for name in ["root", "B", "C", "A"] {
            let answer = await harness.revert(Commands.revert(vm: vm, name))
            #expect(answer.result, "\(answer.details)")
            host = await harness.simulator.host
            #expect(host.vm(id: stoppedVMID)?.currentCheckpointID == id(name))
        }
        // Delete the current checkpoint (A): B and C survive under root.
        let deleteCurrent = await harness.delete(Commands.delete(vm: vm, "A"))
        #expect(deleteCurrent.result)
        host = await harness.simulator.host
        #expect(host.checkpoints.first { $0.name == "B" }?.parentID == id("root"))
        #expect(deleteCurrent.volumes.first?.chainInfo?["checkpointId"]?.stringValue == id("root"))
        // Delete any (C), then all the rest.
        #expect(await harness.delete(Commands.delete(vm: vm, "C")).result)
        #expect(await harness.delete(Commands.delete(vm: vm, "B")).result)
        let last = await harness.delete(Commands.delete(vm: vm, "root"))
        #expect(last.result)
        host = await harness.simulator.host
        #expect(host.checkpoints(ofVM: stoppedVMID).isEmpty)
        #expect(last.volumes.first?.chainInfo?["checkpointId"] == .null)
        // Everything merged back: the VM writes to its base disks again and the volume paths say so.
        #expect(host.vm(id: stoppedVMID)!.disks.allSatisfy { $0.activePath.hasSuffix(".vhdx") })
        #expect(
            last.volumes.map { $0["path"]?.stringValue } == [
                "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            ])
        #expect(last.volumes.allSatisfy { $0["size"]?.int64Value == 0 })
    }

    @Test func deletingAnAbsentCheckpointSucceeds() async throws {
        let harness = EngineHarness.make()
        #expect(await harness.delete(Commands.delete("i-2-17-VM_VS_20261127101500")).result)
        let again = await harness.delete(Commands.delete("i-2-17-VM_VS_20261127101500"))
        #expect(again.result)
        #expect(again.details.contains("already deleted"))
        #expect(again.volumes.count == 2)
    }

    @Test func deleteWaitsForAnEarlierMerge() async throws {
        let harness = EngineHarness.make { $0.mergeDelayMilliseconds = 150 }
        #expect(await harness.delete(Commands.delete("i-2-17-VM_VS_20261127101500")).result)
        let second = await harness.delete(Commands.delete("i-2-17-VM_VS_20261127113000"))
        #expect(second.result, "\(second.details)")
        #expect(await harness.simulator.host.checkpoints(ofVM: runningVMID).isEmpty)
    }
}

@Suite struct ConcurrencyAndRecoveryTests {
    /// The first command is provably inside its job wait (its poll sleep is parked on the held clock) when the
    /// second arrives.
    @Test func aDifferentOperationOnABusyVMIsRefusedAtOnce() async throws {
        let clock = ManualClock(held: true)
        let harness = EngineHarness.make(clock: clock) { $0.jobDelayMilliseconds = 300 }
        async let slow = harness.create(Commands.create(vm: "i-2-18-VM", "slow"))
        await clock.waitForSleepers(1)
        let refused = await harness.delete(Commands.delete(vm: "i-2-18-VM", "other"))
        #expect(!refused.result)
        #expect(refused.details.contains("VM i-2-18-VM is busy taking checkpoint slow"), "\(refused.details)")
        clock.release()
        #expect(await slow.result)
        #expect(await harness.simulator.host.checkpoints.filter { $0.name == "slow" }.count == 1)
    }

    @Test func anIdenticalReSendJoinsTheRunningCommand() async throws {
        let clock = ManualClock(held: true)
        let (events, continuation) = AsyncStream<VMExclusion.Event>.makeStream()
        let harness = EngineHarness.make(clock: clock) { $0.jobDelayMilliseconds = 200 }
            .with(exclusion: VMExclusion(lockDirectory: nil) { continuation.yield($0) })
        async let first = harness.create(Commands.create(vm: "i-2-18-VM", "joined"))
        await clock.waitForSleepers(1)
        async let second = harness.create(Commands.create(vm: "i-2-18-VM", "joined"))
        for await event in events {
            if case .joined = event { break }
        }
        clock.release()
        let (a, b) = await (first, second)
        #expect(a.result && b.result)
        #expect(a == b)
        #expect(await harness.simulator.host.checkpoints.filter { $0.name == "joined" }.count == 1)
    }

    /// Both creates are parked in their job waits at the same moment: different VMs do not wait for each other.
    @Test func differentVMsRunInParallel() async throws {
        let clock = ManualClock(held: true)
        let harness = EngineHarness.make(clock: clock) { $0.jobDelayMilliseconds = 200 }
        async let one = harness.create(Commands.create(vm: "i-2-18-VM", "p1"))
        async let two = harness.create(Commands.create(vm: "i-2-17-VM", "p2", quiesce: false))
        await clock.waitForSleepers(2)
        clock.release()
        let (a, b) = await (one, two)
        #expect(a.result && b.result, "\(a.details) / \(b.details)")
    }

    @Test func aCreateInterruptedMidJobIsAdoptedNotDuplicated() async throws {
        // First process: changes the checkpoint type, starts CreateSnapshot, journals the job, then "dies".
        let harness = EngineHarness.make()
        let journal = OperationJournal(stateDirectory: harness.stateDirectory)
        await harness.simulator.mutate { $0.vms[0].userSnapshotType = 4 }
        let client = harness.service.hyperV
        let vm = try await client.findVM(named: "i-2-17-VM")
        let entry = OperationJournal.Entry(
            operation: "take", vmName: vm.name, vmID: vm.id, snapshotName: "crash-me", originalCheckpointType: 5,
            startedAt: 0)
        try journal.record(entry)
        let created = try await client.createCheckpoint(of: vm, deadline: .now + .seconds(5)) { jobID in
            var updated = entry
            updated.jobID = jobID
            updated.step = .jobStarted
            try journal.record(updated)
        }
        #expect(created.name.hasPrefix("i-2-17-VM - ("))
        // Restart: a new engine over the same state directory receives the re-sent command.
        let restarted = EngineHarness.make(stateDirectory: harness.stateDirectory, transport: { _ in harness.counting })
        let answer = await restarted.create(Commands.create("crash-me"))
        #expect(answer.result, "\(answer.details)")
        #expect(answer.details.contains("already exists"))
        let host = await harness.simulator.host
        #expect(host.checkpoints(ofVM: runningVMID).count == 3)
        #expect(host.checkpoint(id: created.id)?.name == "crash-me")
        #expect(host.vm(id: runningVMID)?.userSnapshotType == 5)
        #expect(journal.all.isEmpty)
    }

    @Test func startupRecoveryRestoresTheCheckpointType() async throws {
        let harness = EngineHarness.make()
        await harness.simulator.mutate { $0.vms[1].userSnapshotType = 5 }
        let journal = OperationJournal(stateDirectory: harness.stateDirectory)
        try journal.record(
            .init(
                operation: "take", vmName: "i-2-18-VM", vmID: stoppedVMID, snapshotName: "x", originalCheckpointType: 3,
                startedAt: 0))
        #expect(await harness.service.recoverAll() == 1)
        #expect(await harness.simulator.host.vm(id: stoppedVMID)?.userSnapshotType == 3)
        #expect(journal.all.isEmpty)
    }
}
