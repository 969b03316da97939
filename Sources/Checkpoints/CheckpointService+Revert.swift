import HyperV

extension CheckpointService {
    /// Turns the VM off if needed, applies the checkpoint, then starts it or leaves it off as asked.
    public func revert(_ request: RevertRequest) async throws(CheckpointError) -> CheckpointReport {
        try await exclusive(request.vmName, "reverting to checkpoint \(request.checkpointName)") {
            () async throws(CheckpointError) in
            try await performRevert(request)
        }
    }

    func performRevert(_ request: RevertRequest) async throws(CheckpointError) -> CheckpointReport {
        let deadline = deadline(request.timeout)
        let start = try await begin(request.vmName, deadline: deadline)
        let name = request.checkpointName
        guard let target = try unique(name, in: start.tree, vm: start.vm) else {
            throw CheckpointError(
                .checkpointNotFound,
                "checkpoint \(name) was not found on VM \(start.vm.name) (it may have been deleted outside CloudStack); nothing was changed",
                vm: start.vm.name, checkpoint: name)
        }
        let wantRunning: Bool
        switch request.power {
        case .running: wantRunning = true
        case .off: wantRunning = false
        case .asCheckpoint: wantRunning = target.hasMemory
        }
        let vm = try await hostSteps(checkpoint: name) { () async throws(HyperVError) -> VirtualMachine in
            let vm = try await hyperV.waitUntilSettled(start.vm, deadline: deadline)
            if vm.isRunning || vm.enabledState == 9 {
                try await hyperV.requestState(3, of: vm, deadline: deadline)
            }
            try await hyperV.apply(target, vm: vm, deadline: deadline)
            return vm
        }
        // After ApplySnapshot the VM is Saved (6) when the checkpoint holds memory, Off (3) otherwise. Its disks are
        // final: read them while it starts (independent requests).
        async let disks = storageResult(request.disks, of: vm, memoryCheckpoints: start.memoryCheckpoints)
        try await hostSteps(checkpoint: name) { () async throws(HyperVError) in
            if wantRunning {
                try await hyperV.requestState(2, of: vm, deadline: deadline)
            } else if target.hasMemory, !(try await hyperV.refresh(vm)).isOff {
                try await hyperV.requestState(3, of: vm, deadline: deadline)
            }
        }
        let note = wantRunning && !target.hasMemory ? " (the checkpoint has no saved memory, so the VM booted)" : ""
        let storage = try await disks.get()
        var after = vm
        after.enabledState = wantRunning ? 2 : 3
        return CheckpointReport(
            outcome: .reverted(running: wantRunning), vm: after, checkpoint: target, currentCheckpointID: target.id,
            memoryCheckpoints: start.memoryCheckpoints, storage: storage,
            summary:
                "reverted VM \(vm.name) to checkpoint \(target.name) (id \(target.id)); the VM is \(wantRunning ? "running" : "off")\(note)"
        )
    }
}
