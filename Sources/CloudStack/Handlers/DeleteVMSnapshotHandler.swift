import HyperV

/// `DeleteVMSnapshotCommand`: `DestroySnapshot` (children survive, disks merge); an absent checkpoint is success.
/// The answer's volumes are read after the merge, so their paths are the final ones.
public struct DeleteVMSnapshotHandler: CommandHandler {
    public let engine: SnapshotEngine
    public var commandClass: String { CommandClass.deleteVMSnapshot }
    public var answerClass: String { AnswerClass.deleteVMSnapshot }

    public func execute(_ command: VMSnapshotCommand) async throws(HyperVError) -> (details: String, fields: [(String, JSONValue)]) {
        let start = try await engine.begin(command)
        let (deadline, tree) = (start.deadline, start.tree)
        var vm = start.vm
        let hyperV = engine.hyperV
        guard let target = try unique(command.snapshotName, in: tree, vm: vm) else {
            let volumes = try await engine.volumes(for: command, vm: vm, checkpointID: tree.currentID, memoryCheckpoints: start.memoryCheckpoints)
            return ("checkpoint \(command.snapshotName) does not exist on VM \(vm.name) (already deleted); nothing to do", [("volumeTOs", .array(volumes))])
        }
        vm = try await hyperV.waitForMerge(vm, deadline: deadline)
        try await hyperV.destroy(target, vm: vm, deadline: deadline)
        vm = try await hyperV.waitForMerge(try await hyperV.refresh(vm), deadline: deadline)
        let remaining = tree.checkpoints.filter { $0.id != target.id }
        let current = tree.currentID == target.id ? target.parentID : tree.currentID
        let volumes = try await engine.volumes(for: command, vm: vm, checkpointID: current, memoryCheckpoints: remaining.filter(\.hasMemory).count)
        let children = tree.children(of: target.id).count
        return (
            "deleted checkpoint \(target.name) (id \(target.id)) of VM \(vm.name)\(children > 0 ? "; its \(children) child checkpoint(s) were kept" : ""); disks merged",
            [("volumeTOs", .array(volumes))]
        )
    }
}
