import Foundation
import HyperV

/// `CreateVMSnapshotCommand` → a checkpoint named `target.snapshotName` (DESIGN.md §6).
///
/// Standard vs production is chosen by setting the VM's `UserSnapshotType` for this one checkpoint and restoring
/// it afterwards (journaled, so a crash cannot leave it changed). The new checkpoint is identified through its
/// job, renamed, and — for a crash-consistent disk-only snapshot of a running VM — stripped of its memory.
public struct CreateVMSnapshotHandler: CommandHandler {
    public let engine: SnapshotEngine
    public var commandClass: String { CommandClass.createVMSnapshot }
    public var answerClass: String { AnswerClass.createVMSnapshot }

    struct Plan {
        var checkpointType: CheckpointType?
        var dropMemory: Bool
        var consistency: String
    }

    func plan(_ command: VMSnapshotCommand, vm: VirtualMachine) throws(HyperVError) -> Plan {
        let running = vm.isRunning || vm.enabledState == 9
        switch (running, command.type, command.quiesce) {
        case (true, .diskAndMemory, _):
            return Plan(checkpointType: .standard, dropMemory: false, consistency: "disk and memory (standard checkpoint)")
        case (true, .disk, true):
            return Plan(checkpointType: .productionOnly, dropMemory: false, consistency: "application-consistent (production checkpoint)")
        case (true, .disk, false):
            return Plan(checkpointType: .standard, dropMemory: true, consistency: "crash-consistent (standard checkpoint, saved memory dropped)")
        case (false, .diskAndMemory, _):
            throw HyperVError(.invalidRequest, "a DiskAndMemory snapshot of VM \(vm.name) needs a running VM, but it is \(vm.stateName); take a Disk snapshot instead", vm: vm.name, checkpoint: command.snapshotName)
        case (false, .disk, _):
            return Plan(checkpointType: nil, dropMemory: true, consistency: "disk only (the VM is \(vm.stateName))")
        }
    }

    public func execute(_ command: VMSnapshotCommand) async throws(HyperVError) -> (details: String, fields: [(String, JSONValue)]) {
        let start = try await engine.begin(command)
        let (deadline, vm, tree, currentType) = (start.deadline, start.vm, start.tree, start.checkpointType)
        let hyperV = engine.hyperV
        let name = command.snapshotName

        if let existing = try unique(name, in: tree, vm: vm) {
            let volumes = try await engine.volumes(for: command, vm: vm, checkpointID: tree.currentID, memoryCheckpoints: start.memoryCheckpoints)
            return ("checkpoint \(name) already exists on VM \(vm.name) (id \(existing.id)); nothing was created", [("volumeTOs", .array(volumes)), ("vmSnapshotTo", command.target)])
        }
        guard currentType != .disabled else {
            throw HyperVError(.checkpointsDisabled, "checkpoints are disabled for VM \(vm.name) (Hyper-V setting \"Checkpoint type\" / UserSnapshotType = Disabled); enable checkpoints in the VM's settings (Set-VM -CheckpointType Standard or Production)", vm: vm.name, checkpoint: name)
        }
        guard tree.checkpoints.count < 50 else {
            throw HyperVError(.checkpointLimit, "VM \(vm.name) already has \(tree.checkpoints.count) checkpoints, Hyper-V's limit is 50; delete old VM snapshots first", vm: vm.name, checkpoint: name)
        }
        var plan = try plan(command, vm: vm)
        let changeType = plan.checkpointType.map { $0 != currentType } ?? false
        let entry = OperationJournal.Entry(
            command: commandClass, vmName: vm.name, vmID: vm.id, snapshotName: name,
            originalCheckpointType: changeType ? currentType.rawValue : nil, startedAt: Date().timeIntervalSince1970)
        do { try engine.journal.record(entry) } catch {
            throw HyperVError(.invalidRequest, "cannot write the operation journal in \(engine.journal.directory.path): \(error); check agent.state_dir", vm: vm.name)
        }
        var created: Checkpoint
        do {
            if changeType, let type = plan.checkpointType { try await hyperV.setCheckpointType(type, of: vm, deadline: deadline) }
            let journal = engine.journal
            let recordJob: @Sendable (String) throws -> Void = { [entry] jobID in
                var updated = entry
                updated.jobID = jobID
                try journal.record(updated)
            }
            switch await attempt({ () async throws(HyperVError) -> Checkpoint in try await hyperV.createCheckpoint(of: vm, deadline: deadline, onJob: recordJob) }) {
            case .success(let checkpoint):
                created = checkpoint
            case .failure(let error) where plan.checkpointType == .productionOnly && error.code == .jobFailed:
                guard engine.quiesceFallback == .crashConsistent else {
                    throw HyperVError(.quiesceFailed, "the guest of VM \(vm.name) could not be quiesced for a production checkpoint (\(error.message)); hyperv.quiesce_fallback = fail, so no snapshot was taken — check the guest's integration services (VSS / fsfreeze), or snapshot without quiescing", vm: vm.name, checkpoint: name)
                }
                engine.logger.warning("guest could not quiesce; taking a crash-consistent checkpoint", metadata: ["cloudstack.vm": "\(vm.name)"])
                try await hyperV.setCheckpointType(.standard, of: vm, deadline: deadline)
                created = try await hyperV.createCheckpoint(of: vm, deadline: deadline, onJob: recordJob)
                plan.dropMemory = true
                plan.consistency = "crash-consistent: the guest could not be quiesced (\(error.message)), so a standard checkpoint was taken and its memory dropped (hyperv.quiesce_fallback = crash-consistent)"
            case .failure(let error):
                throw error
            }
            try await hyperV.rename(created, to: name, vm: vm, deadline: deadline)
            created.name = name
            if plan.dropMemory && created.hasMemory {
                try await hyperV.clearState(created, vm: vm, deadline: deadline)
                created.hasMemory = false
            }
        } catch let error as HyperVError {
            await restore(currentType, changed: changeType, vm: vm)
            throw error
        } catch {
            await restore(currentType, changed: changeType, vm: vm)
            throw HyperVError(.unexpectedAnswer, "creating checkpoint \(name) of VM \(vm.name) failed: \(error)", vm: vm.name)
        }
        await restore(currentType, changed: changeType, vm: vm)
        let memoryCheckpoints = start.memoryCheckpoints + (created.hasMemory ? 1 : 0)
        let volumes = try await engine.volumes(for: command, vm: vm, checkpointID: created.id, memoryCheckpoints: memoryCheckpoints)
        return ("created checkpoint \(name) (id \(created.id)) of VM \(vm.name): \(plan.consistency)", [("volumeTOs", .array(volumes)), ("vmSnapshotTo", command.target)])
    }

    /// Puts the VM's checkpoint type back and closes the journal entry (kept when the restore fails, for recovery).
    func restore(_ type: CheckpointType, changed: Bool, vm: VirtualMachine) async {
        if changed {
            do {
                try await engine.hyperV.setCheckpointType(type, of: vm, deadline: ContinuousClock.now + .seconds(120))
            } catch {
                engine.logger.error("could not restore the VM's checkpoint type; the journal keeps it for recovery", metadata: ["cloudstack.vm": "\(vm.name)", "error": "\(error)"])
                return
            }
        }
        engine.journal.clear(vmID: vm.id)
    }

    func attempt<T>(_ body: () async throws(HyperVError) -> T) async -> Result<T, HyperVError> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
