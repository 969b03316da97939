import Foundation
import HyperV

extension CheckpointService {
    /// Takes a checkpoint named `request.checkpointName` with the requested consistency (the semantics table in README.md).
    ///
    /// Standard vs production is chosen by setting the VM's `UserSnapshotType` for this one checkpoint and restoring
    /// it afterwards (journaled, so a crash cannot leave it changed). The new checkpoint is identified through its
    /// job, renamed, and — for a crash-consistent checkpoint of a running VM — stripped of its memory. A checkpoint
    /// of that name existing already is the answer to a re-sent request, not an error.
    public func take(_ request: TakeRequest) async throws(CheckpointError) -> CheckpointReport {
        try await exclusive(request.vmName, "taking checkpoint \(request.checkpointName)") {
            () async throws(CheckpointError) in
            try await performTake(request)
        }
    }

    func performTake(_ request: TakeRequest) async throws(CheckpointError) -> CheckpointReport {
        let deadline = deadline(request.timeout)
        let start = try await begin(request.vmName, deadline: deadline)
        let (tree, currentType) = (start.tree, start.checkpointType)
        // A merge or a transitional state makes CreateSnapshot fail with 32775: wait them out first (no round trip
        // when the VM is neither merging nor moving).
        let vm = try await hostSteps { () async throws(HyperVError) in
            try await hyperV.waitUntilSettled(start.vm, deadline: deadline)
        }
        let name = request.checkpointName

        if let existing = try unique(name, in: tree, vm: vm) {
            let storage = try await storage(request.disks, of: vm, memoryCheckpoints: start.memoryCheckpoints)
            return CheckpointReport(
                outcome: .alreadyExisted, vm: vm, checkpoint: existing, currentCheckpointID: tree.currentID,
                memoryCheckpoints: start.memoryCheckpoints, storage: storage,
                summary: "checkpoint \(name) already exists on VM \(vm.name) (id \(existing.id)); nothing was created")
        }
        guard currentType != .disabled else {
            throw CheckpointError(
                .checkpointsDisabled,
                "checkpoints are disabled for VM \(vm.name) (Hyper-V setting \"Checkpoint type\" / UserSnapshotType = Disabled); enable checkpoints in the VM's settings (Set-VM -CheckpointType Standard or Production)",
                vm: vm.name, checkpoint: name)
        }
        guard tree.checkpoints.count < settings.maxCheckpoints else {
            throw CheckpointError(
                .checkpointLimit,
                "VM \(vm.name) already has \(tree.checkpoints.count) checkpoints, Hyper-V's limit is \(settings.maxCheckpoints); delete old VM snapshots first",
                vm: vm.name, checkpoint: name)
        }
        var plan = try TakePlan.make(request.consistency, vm: vm, checkpoint: name, current: currentType)
        var changedType = plan.checkpointType.map { $0 != currentType } ?? false
        var entry = OperationJournal.Entry(
            operation: "take", vmName: vm.name, vmID: vm.id, snapshotName: name,
            originalCheckpointType: changedType ? currentType.rawValue : nil, dropMemory: plan.dropMemory,
            startedAt: Date().timeIntervalSince1970)
        entry.knownCheckpointIDs = tree.checkpoints.map(\.id)
        try record(entry)
        var created: Checkpoint
        var storageRead: Result<VMStorage, CheckpointError> = .success(VMStorage(disks: [], memoryMB: 0))
        do throws(CheckpointError) {
            if changedType, let type = plan.checkpointType {
                try await hostSteps { () async throws(HyperVError) in
                    try await hyperV.setCheckpointType(type, of: vm, deadline: deadline)
                }
            }
            do throws(CheckpointError) {
                created = try await createCheckpoint(of: vm, entry: entry, deadline: deadline)
            } catch let failure where plan.checkpointType == .productionOnly && failure.code == .jobFailed {
                guard settings.quiesceFallback == .crashConsistent else {
                    throw CheckpointError(
                        .quiesceFailed,
                        "the guest of VM \(vm.name) could not be quiesced for a production checkpoint (\(failure.message)); hyperv.quiesce_fallback = fail, so no snapshot was taken — check the guest's integration services (VSS / fsfreeze), or snapshot without quiescing",
                        vm: vm.name, checkpoint: name)
                }
                logger.warning(
                    "guest could not quiesce; taking a crash-consistent checkpoint",
                    metadata: ["cloudstack.vm": "\(vm.name)"])
                // The fallback changes the type even where the plan did not: journal what to restore first.
                if !changedType { entry.originalCheckpointType = currentType.rawValue }
                entry.dropMemory = true
                try record(entry)
                changedType = true
                try await hostSteps { () async throws(HyperVError) in
                    try await hyperV.setCheckpointType(.standard, of: vm, deadline: deadline)
                }
                created = try await createCheckpoint(of: vm, entry: entry, deadline: deadline)
                plan.dropMemory = true
                plan.consistency = ConsistencyAchieved(
                    kind: .crashConsistent, fallbackReason: failure.message,
                    description:
                        "crash-consistent: the guest could not be quiesced (\(failure.message)), so a standard checkpoint was taken and its memory dropped (hyperv.quiesce_fallback = crash-consistent)"
                )
            }
            if plan.hostMayFallBack && created.hasMemory {
                // Production type: Hyper-V could not quiesce the guest and took a standard checkpoint instead.
                try await fellBack(created, vm: vm, name: name, plan: &plan, entry: &entry, deadline: deadline)
            }
            entry.checkpointID = created.id
            entry.step = .created
            try record(entry)
            // The disks are final now: read them while the checkpoint is renamed (independent requests).
            let memoryCheckpoints = start.memoryCheckpoints + (created.hasMemory && !plan.dropMemory ? 1 : 0)
            async let disks = storageResult(request.disks, of: vm, memoryCheckpoints: memoryCheckpoints)
            let checkpoint = created
            try await hostSteps(checkpoint: name) { () async throws(HyperVError) in
                try await hyperV.rename(checkpoint, to: name, vm: vm, deadline: deadline)
            }
            created.name = name
            entry.step = .renamed
            try record(entry)
            if plan.dropMemory && created.hasMemory {
                let renamed = created
                try await hostSteps(checkpoint: name) { () async throws(HyperVError) in
                    try await hyperV.clearState(renamed, vm: vm, deadline: deadline)
                }
                created.hasMemory = false
            }
            storageRead = await disks
        } catch {
            if error.code == .jobTimedOut, journal.entry(vmID: vm.id)?.step == .jobStarted {
                // The job still runs on the host. Keep the journal (and the changed type): the next operation on
                // this VM — the same request re-sent, typically — adopts the checkpoint instead of taking another.
                var kept = CheckpointError(
                    .jobTimedOut,
                    "\(error.message); the checkpoint job continues on the host and is journaled: sending the same request again adopts its checkpoint (named \(name)) instead of taking a second one",
                    vm: vm.name, checkpoint: name)
                kept.underlying = error.underlying
                throw kept
            }
            await restoreType(currentType, changed: changedType, vm: vm)
            throw error
        }
        await restoreType(currentType, changed: changedType, vm: vm)
        let memoryCheckpoints = start.memoryCheckpoints + (created.hasMemory ? 1 : 0)
        let storage = try storageRead.get()
        return CheckpointReport(
            outcome: .created(plan.consistency), vm: vm, checkpoint: created, currentCheckpointID: created.id,
            memoryCheckpoints: memoryCheckpoints, storage: storage,
            summary: "created checkpoint \(name) (id \(created.id)) of VM \(vm.name): \(plan.consistency.description)")
    }

    /// A Production-type VM got a standard checkpoint (with memory) because its guest could not quiesce: keep it
    /// crash-consistent (memory dropped) or remove it and fail, as `hyperv.quiesce_fallback` says.
    func fellBack(
        _ created: Checkpoint, vm: VirtualMachine, name: String, plan: inout TakePlan,
        entry: inout OperationJournal.Entry, deadline: ContinuousClock.Instant
    ) async throws(CheckpointError) {
        let reason =
            "Hyper-V could not quiesce the guest and took a standard checkpoint instead (checkpoint type Production)"
        guard settings.quiesceFallback == .crashConsistent else {
            try await hostSteps { () async throws(HyperVError) in
                try await hyperV.destroy(created, vm: vm, deadline: deadline)
            }
            throw CheckpointError(
                .quiesceFailed,
                "the guest of VM \(vm.name) could not be quiesced for a production checkpoint (\(reason)); hyperv.quiesce_fallback = fail, so it was deleted and no snapshot was taken — check the guest's integration services (VSS / fsfreeze), or snapshot without quiescing",
                vm: vm.name, checkpoint: name)
        }
        logger.warning(
            "guest could not quiesce; keeping a crash-consistent checkpoint", metadata: ["cloudstack.vm": "\(vm.name)"])
        plan.dropMemory = true
        entry.dropMemory = true
        plan.consistency = ConsistencyAchieved(
            kind: .crashConsistent, fallbackReason: reason,
            description:
                "crash-consistent: the guest could not be quiesced (\(reason)), so its memory was dropped (hyperv.quiesce_fallback = crash-consistent)"
        )
    }

    /// `CreateSnapshot`, with its job id journaled before the wait.
    func createCheckpoint(of vm: VirtualMachine, entry: OperationJournal.Entry, deadline: ContinuousClock.Instant)
        async throws(CheckpointError) -> Checkpoint
    {
        let journal = self.journal
        let recordJob: @Sendable (String) throws -> Void = { [entry] jobID in
            var updated = entry
            updated.jobID = jobID
            updated.step = .jobStarted
            try journal.record(updated)
        }
        let known = entry.knownCheckpointIDs.map(Set.init)
        return try await hostSteps { () async throws(HyperVError) in
            try await hyperV.createCheckpoint(of: vm, deadline: deadline, known: known, onJob: recordJob)
        }
    }

    func record(_ entry: OperationJournal.Entry) throws(CheckpointError) {
        do { try journal.record(entry) } catch {
            throw CheckpointError(
                .journalUnwritable,
                "cannot write the operation journal in \(journal.directory.path): \(error); check agent.state_dir",
                vm: entry.vmName, checkpoint: entry.snapshotName)
        }
    }

    /// Puts the VM's checkpoint type back and closes the journal entry (kept when the restore fails, for recovery).
    func restoreType(_ type: CheckpointType, changed: Bool, vm: VirtualMachine) async {
        if changed {
            do {
                try await hyperV.setCheckpointType(type, of: vm, deadline: clock.now() + .seconds(120))
            } catch {
                logger.error(
                    "could not restore the VM's checkpoint type; the journal keeps it for recovery",
                    metadata: ["cloudstack.vm": "\(vm.name)", "error": "\(error)"])
                return
            }
        }
        journal.clear(vmID: vm.id)
    }
}
