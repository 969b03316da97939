import Checkpoints
import Foundation
import HyperV
import TestSupport
import Testing
import WinRMFixture

/// DESIGN §12: no round trip whose answer is already known — settings left alone when they are right, frozen disk
/// files read once, the cache forgotten when a merge can have changed what it holds.
@Suite struct RoundTripTests {
    let vm = ServiceHarness.runningVM
    let vmID = ServiceHarness.runningVMID

    func setType(_ type: Int, quiesces: Bool = true, _ harness: ServiceHarness) async {
        let id = vmID
        await harness.simulator.mutate { host in
            if let index = host.vms.firstIndex(where: { $0.id == id }) {
                host.vms[index].userSnapshotType = type
                host.vms[index].guestCanQuiesce = quiesces
            }
        }
    }

    func invocations(_ harness: ServiceHarness, during body: () async throws -> Void) async rethrows -> [String] {
        let before = await harness.simulator.invocations.count
        try await body()
        return Array(await harness.simulator.invocations.dropFirst(before))
    }

    @Test func aQuiescedCheckpointOfAProductionVMChangesNoSettings() async throws {
        let harness = ServiceHarness.make()
        await setType(3, harness)
        var report: CheckpointReport?
        let calls = try await invocations(harness) {
            report = try await harness.service.take(
                TakeRequest(vmName: vm, checkpointName: "q", consistency: .applicationConsistent))
        }
        #expect(calls.filter { $0 == "ModifySystemSettings" }.count == 1, "the rename only: \(calls)")
        guard case .created(let achieved)? = report?.outcome else {
            Issue.record("not created")
            return
        }
        #expect(achieved.kind == .applicationConsistent && achieved.fallbackReason == nil)
        #expect(await harness.host.vm(id: vmID)?.userSnapshotType == 3)
    }

    @Test func aProductionVMWhoseGuestCannotQuiesceIsHandledAfterwards() async throws {
        let harness = ServiceHarness.make()
        await setType(3, quiesces: false, harness)
        var report: CheckpointReport?
        let calls = try await invocations(harness) {
            report = try await harness.service.take(
                TakeRequest(vmName: vm, checkpointName: "q", consistency: .applicationConsistent))
        }
        guard case .created(let achieved)? = report?.outcome else {
            Issue.record("not created")
            return
        }
        #expect(achieved.kind == .crashConsistent)
        #expect(achieved.fallbackReason?.contains("standard checkpoint") == true)
        #expect(
            calls.contains("ClearSnapshotState"), "the saved memory of the standard checkpoint is dropped: \(calls)")
        #expect(calls.filter { $0 == "ModifySystemSettings" }.count == 1, "no type change: \(calls)")
        #expect(await harness.host.checkpoints.first { $0.name == "q" }?.hasMemory == false)
    }

    @Test func withFallbackFailTheStandardCheckpointIsRemoved() async throws {
        let harness = ServiceHarness.make(fallback: .fail)
        await setType(3, quiesces: false, harness)
        let before = await harness.checkpoints(of: vmID).count
        let error = await #expect(throws: CheckpointError.self) {
            try await harness.service.take(
                TakeRequest(vmName: vm, checkpointName: "q", consistency: .applicationConsistent))
        }
        #expect(error?.code == .quiesceFailed)
        #expect(await harness.checkpoints(of: vmID).count == before, "nothing left behind")
        #expect(harness.service.journal.all.isEmpty)
    }

    @Test func frozenFilesAreReadOnce() async throws {
        let harness = ServiceHarness.make()
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "a", consistency: .crashConsistent))
        var report: CheckpointReport?
        let calls = try await invocations(harness) {
            report = try await harness.service.take(
                TakeRequest(vmName: vm, checkpointName: "b", consistency: .crashConsistent))
        }
        // Per disk: the new active file (settings + state) and the state of the file that just froze.
        #expect(calls.filter { $0 == "GetVirtualHardDiskSettingData" }.count == 2, "\(calls)")
        #expect(calls.filter { $0 == "GetVirtualHardDiskState" }.count == 4, "\(calls)")
        try await expectChainsMatchTheHost(try #require(report), harness)
    }

    @Test func aCheckpointDeletedElsewhereMakesTheCacheForgetTheVM() async throws {
        let harness = ServiceHarness.make()
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "a", consistency: .crashConsistent))
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "b", consistency: .crashConsistent))
        // Another agent (or Hyper-V Manager) deletes "a": the merge rewrites the chain behind this service's back.
        let elsewhere = ServiceHarness.make(clock: harness.clock, simulator: harness.simulator)
        _ = try await elsewhere.service.delete(DeleteRequest(vmName: vm, checkpointName: "a"))
        let report = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "c", consistency: .crashConsistent))
        try await expectChainsMatchTheHost(report, harness)
    }

    @Test func aDeleteReadsTheMergedChainAfresh() async throws {
        let harness = ServiceHarness.make()
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "a", consistency: .crashConsistent))
        _ = try await harness.service.take(TakeRequest(vmName: vm, checkpointName: "b", consistency: .crashConsistent))
        let report = try await harness.service.delete(DeleteRequest(vmName: vm, checkpointName: "a"))
        try await expectChainsMatchTheHost(report, harness)
        let next = try await harness.service.take(
            TakeRequest(vmName: vm, checkpointName: "c", consistency: .crashConsistent))
        try await expectChainsMatchTheHost(next, harness)
    }

    func expectChainsMatchTheHost(_ report: CheckpointReport, _ harness: ServiceHarness) async throws {
        let host = await harness.host
        let disks = try #require(host.vm(id: vmID)?.disks)
        #expect(report.storage.disks.map(\.chain) == disks.map { host.chain(from: $0.activePath) })
        for (reported, disk) in zip(report.storage.disks, disks) {
            let expected = host.chain(from: disk.activePath).dropLast().compactMap { host.file(path: $0)?.fileSize }
            #expect(reported.differencingBytes == expected.reduce(0, +))
        }
    }
}
