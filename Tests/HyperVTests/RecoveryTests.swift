import Checkpoints
import Foundation
import HyperV
import Synchronization
import TestSupport
import Testing
import WSMan
import WinRMFixture

/// The agent dies at each journaled step of a crash-consistent take of a running VM whose own type is Production
/// (so the type is changed for the take). A new service over the same state directory then receives the re-sent
/// take: it must end with exactly one checkpoint of that name, without memory, the VM's type back to Production,
/// and an empty journal.
@Suite struct RecoveryTests {
    enum CrashPoint: String, CaseIterable, Sendable {
        /// Journal written; the type change never reached the host.
        case beforeTypeChange
        /// Type changed; CreateSnapshot never reached the host.
        case beforeCreate
        /// The job runs; the agent dies polling it.
        case whilePollingTheJob
        /// The checkpoint exists with Hyper-V's default name.
        case beforeRename
        /// Renamed; its saved memory not yet dropped.
        case beforeMemoryDrop
        /// Everything done but the type restore.
        case beforeTypeRestore

        func matches(action: String, text: String, modifyCount: Int) -> Bool {
            switch self {
            case .beforeTypeChange:
                return text.contains("ModifySystemSettings") && text.contains("UserSnapshotType") && modifyCount == 0
            case .beforeCreate: return action.hasSuffix("/CreateSnapshot")
            case .whilePollingTheJob: return action.hasSuffix("/transfer/Get") && text.contains("Msvm_ConcreteJob")
            case .beforeRename: return text.contains("ModifySystemSettings") && text.contains("ElementName")
            case .beforeMemoryDrop: return action.hasSuffix("/ClearSnapshotState")
            case .beforeTypeRestore:
                return text.contains("ModifySystemSettings") && text.contains("UserSnapshotType") && modifyCount > 0
            }
        }

        /// Whether the checkpoint existed on the host when the agent died.
        var existsAtCrash: Bool { [.beforeRename, .beforeMemoryDrop, .beforeTypeRestore].contains(self) }
        /// Whether the restarted agent adopts a checkpoint (its job had been started).
        var adopted: Bool { ![.beforeTypeChange, .beforeCreate].contains(self) }
    }

    /// Type changes seen so far (the first is the take's change, a later one its restore).
    final class ModifyCounter: Sendable {
        private let seen = Mutex(0)
        func next(_ isTypeChange: Bool) -> Int {
            seen.withLock { seen in
                defer { if isTypeChange { seen += 1 } }
                return seen
            }
        }
    }

    @Test(arguments: CrashPoint.allCases)
    func aReSentTakeAfterACrashEndsWithOneCleanCheckpoint(at point: CrashPoint) async throws {
        let clock = ManualClock.autoAdvancing()
        let counter = ModifyCounter()
        let first = ServiceHarness.make(clock: clock, lockFiles: false, configure: { $0.jobDelayMilliseconds = 500 }) {
            base in
            CrashingTransport(base: base) { action, text in
                let isTypeChange = text.contains("ModifySystemSettings") && text.contains("UserSnapshotType")
                return point.matches(action: action, text: text, modifyCount: counter.next(isTypeChange))
            }
        }
        let crashing = try #require(first.service.hyperV.client.transport as? CrashingTransport)
        await first.simulator.mutate { $0.vms[0].userSnapshotType = 3 }
        let request = TakeRequest(
            vmName: ServiceHarness.runningVM, checkpointName: "survivor", consistency: .crashConsistent)
        let abandoned = Task { try await first.service.take(request) }
        await crashing.crashed()
        #expect(first.service.journal.all.count == 1, "the journal holds the interrupted take")
        if point.existsAtCrash {
            #expect(await first.checkpoints(of: ServiceHarness.runningVMID).count == 3)
        }

        // The restarted agent: same state directory, same host.
        let restarted = ServiceHarness.make(
            clock: clock, stateDirectory: first.stateDirectory, simulator: first.simulator)
        let report = try await restarted.service.take(request)
        if point.adopted {
            #expect(report.outcome == .alreadyExisted)
        } else {
            #expect(report.summary.hasPrefix("created checkpoint survivor"))
        }
        let host = await restarted.host
        let named = host.checkpoints(ofVM: ServiceHarness.runningVMID).filter { $0.name == "survivor" }
        #expect(named.count == 1)
        #expect(named.first?.hasMemory == false)
        #expect(host.checkpoints(ofVM: ServiceHarness.runningVMID).count == 3, "nothing was taken twice")
        #expect(host.vm(id: ServiceHarness.runningVMID)?.userSnapshotType == 3)
        #expect(restarted.service.journal.all.isEmpty)
        crashing.finish()
        _ = await abandoned.result
    }

    /// An entry whose checkpoint was deleted in the meantime is closed without error.
    @Test func aCheckpointGoneSinceTheCrashIsNotAnError() async throws {
        let harness = ServiceHarness.make()
        var entry = OperationJournal.Entry(
            operation: "take", vmName: ServiceHarness.stoppedVM, vmID: ServiceHarness.stoppedVMID, snapshotName: "gone",
            originalCheckpointType: 5, dropMemory: true, startedAt: 0)
        entry.step = .created
        entry.checkpointID = "00000000-0000-0000-0000-000000000000"
        try harness.service.journal.record(entry)
        #expect(await harness.service.recoverAll() == 1)
        #expect(harness.service.journal.all.isEmpty)
    }

    /// A journal written by the previous version (no step, `command` key) is still understood.
    @Test func aJournalOfThePreviousVersionIsRead() throws {
        let json =
            #"{"command":"com.cloud.agent.api.CreateVMSnapshotCommand","jobID":"J1","originalCheckpointType":5,"snapshotName":"s","startedAt":1,"vmID":"V","vmName":"n"}"#
        let entry = try JSONDecoder().decode(OperationJournal.Entry.self, from: Data(json.utf8))
        #expect(entry.step == .jobStarted && entry.jobID == "J1" && !entry.dropMemory)
    }
}
