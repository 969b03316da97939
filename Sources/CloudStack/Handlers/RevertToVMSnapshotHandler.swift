import HyperV

/// `RevertToVMSnapshotCommand`: turn the VM off if needed, apply the checkpoint, then start it for a
/// DiskAndMemory snapshot (resuming its saved memory) or leave it off for a Disk snapshot.
public struct RevertToVMSnapshotHandler: CommandHandler {
    public let engine: SnapshotEngine
    public var commandClass: String { CommandClass.revertToVMSnapshot }
    public var answerClass: String { AnswerClass.revertToVMSnapshot }

    public func execute(_ command: VMSnapshotCommand) async throws(HyperVError) -> (details: String, fields: [(String, JSONValue)]) {
        let start = try await engine.begin(command)
        let (deadline, tree) = (start.deadline, start.tree)
        var vm = start.vm
        let hyperV = engine.hyperV
        guard let target = try unique(command.snapshotName, in: tree, vm: vm) else {
            throw HyperVError(.checkpointNotFound, "checkpoint \(command.snapshotName) was not found on VM \(vm.name) (it may have been deleted outside CloudStack); nothing was changed", vm: vm.name, checkpoint: command.snapshotName)
        }
        vm = try await hyperV.waitForMerge(vm, deadline: deadline)
        if vm.isRunning || vm.enabledState == 9 {
            try await hyperV.requestState(3, of: vm, deadline: deadline)
        }
        try await hyperV.apply(target, vm: vm, deadline: deadline)
        vm = try await hyperV.refresh(vm)
        let wantRunning = command.type == .diskAndMemory
        var note = ""
        if wantRunning {
            if !target.hasMemory { note = " (the checkpoint has no saved memory, so the VM booted)" }
            if !vm.isRunning { try await hyperV.requestState(2, of: vm, deadline: deadline) }
        } else if !vm.isOff {
            try await hyperV.requestState(3, of: vm, deadline: deadline)
        }
        let volumes = try await engine.volumes(for: command, vm: vm, checkpointID: target.id, memoryCheckpoints: start.memoryCheckpoints)
        let state: PowerState = wantRunning ? .powerOn : .powerOff
        return (
            "reverted VM \(vm.name) to checkpoint \(target.name) (id \(target.id)); the VM is \(wantRunning ? "running" : "off")\(note)",
            [("volumeTOs", .array(volumes)), ("vmState", .string(state.rawValue))]
        )
    }
}
