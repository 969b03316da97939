import HyperV
import WSMan

extension CheckpointService {
    /// Finishes what an earlier process left in the journal for this VM, from the step it reached: the checkpoint
    /// its take made gets its name (and loses its memory when the take was crash-consistent), and the VM's
    /// checkpoint type is put back. A re-sent take then finds the checkpoint instead of taking a second one.
    /// Called holding the VM, at the start of every operation on it.
    func recover(vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(CheckpointError) {
        guard let entry = journal.entry(vmID: vm.id) else { return }
        logger.notice(
            "recovering an interrupted operation",
            metadata: [
                "cloudstack.vm": "\(vm.name)", "operation": "\(entry.operation)",
                "cloudstack.snapshot": "\(entry.snapshotName)",
                "step": "\(entry.step.rawValue)",
            ])
        try await hostSteps(checkpoint: entry.snapshotName) { () async throws(HyperVError) in
            if let created = try await interruptedCheckpoint(entry, vm: vm, deadline: deadline) {
                if created.name != entry.snapshotName {
                    try await hyperV.rename(created, to: entry.snapshotName, vm: vm, deadline: deadline)
                }
                if entry.dropMemory && created.hasMemory {
                    try await hyperV.clearState(created, vm: vm, deadline: deadline)
                }
            }
            if let original = entry.originalCheckpointType.flatMap(CheckpointType.init(rawValue:)) {
                try await hyperV.setCheckpointType(original, of: vm, deadline: deadline)
            }
        }
        journal.clear(vmID: vm.id)
    }

    /// The checkpoint the interrupted take made, if it made one that still exists.
    func interruptedCheckpoint(
        _ entry: OperationJournal.Entry, vm: VirtualMachine, deadline: ContinuousClock.Instant
    ) async throws(HyperVError) -> Checkpoint? {
        if let id = entry.checkpointID {
            do {
                return try await hyperV.checkpoint(id: id, vm: vm)
            } catch  where error.code == .wsman && error.underlying?.fault != nil {
                logger.notice(
                    "the interrupted take's checkpoint no longer exists", metadata: ["cloudstack.vm": "\(vm.name)"])
                return nil
            }
        }
        guard let jobID = entry.jobID else { return nil }
        let job = EndpointReference(resourceURI: Msvm.uri(Msvm.concreteJob), selectors: [Selector("InstanceID", jobID)])
        do {
            try await hyperV.waitForJob(job, method: "CreateSnapshot", vm: vm, deadline: deadline)
            return try await hyperV.checkpointCreated(byJob: jobID, vm: vm)
        } catch  where error.code == .jobFailed {
            logger.notice(
                "the interrupted create job had failed; nothing to adopt", metadata: ["cloudstack.vm": "\(vm.name)"])
        } catch  where error.code == .jobVanished {
            logger.notice(
                "the interrupted create job is no longer known to the host (older than its retention time); finding its checkpoint among the VM's",
                metadata: ["cloudstack.vm": "\(vm.name)", "hyperv.job.instance_id": "\(jobID)"])
            if let known = entry.knownCheckpointIDs { return try await hyperV.checkpointNotAmong(Set(known), vm: vm) }
        }
        return nil
    }

    /// Recovers every journaled operation (at `serve` startup), each holding its VM. Failures are logged; the entry
    /// stays for the next try. Returns how many were recovered.
    public func recoverAll() async -> Int {
        var recovered = 0
        for entry in journal.all {
            let vm = VirtualMachine(name: entry.vmName, id: entry.vmID, enabledState: 0)
            let deadline = clock.now() + .seconds(300)
            do {
                try await exclusive(entry.vmName, "recovering an interrupted operation") {
                    () async throws(CheckpointError) in
                    try await recover(vm: vm, deadline: deadline)
                }
                recovered += 1
            } catch {
                logger.error(
                    "recovery failed; will retry with the next operation on this VM",
                    metadata: ["cloudstack.vm": "\(entry.vmName)", "error": "\(error)"])
            }
        }
        return recovered
    }
}
