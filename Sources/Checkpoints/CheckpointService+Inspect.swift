import HyperV

extension CheckpointService {
    /// The VM, its checkpoint tree and (as asked) its disks. Read-only: takes no lock and changes nothing.
    public func inspect(vmName: String, disks detail: DiskDetail = .disksAndMemory) async throws(CheckpointError)
        -> VMCheckpoints
    {
        let (vm, settings, tree) = try await hostSteps { () async throws(HyperVError) in
            let vm = try await hyperV.findVM(named: vmName)
            let (settings, tree) = try await hyperV.settingsAndTree(of: vm)
            disks.cache.observe(vmID: vm.id, checkpointIDs: Set(tree.checkpoints.map(\.id)))
            return (vm, settings, tree)
        }
        let storage = try await storage(detail, of: vm, memoryCheckpoints: tree.checkpoints.filter(\.hasMemory).count)
        return VMCheckpoints(
            vm: vm, tree: tree, storage: storage, preserved: PreservedNotes.isMarked(settings.string("Notes") ?? ""))
    }

    /// The VM and its checkpoint tree, without disks (2 round trips). Read-only.
    public func listCheckpoints(vmName: String) async throws(CheckpointError) -> (
        vm: VirtualMachine, tree: CheckpointTree
    ) {
        try await hostSteps { () async throws(HyperVError) in
            let vm = try await hyperV.findVM(named: vmName)
            let tree = try await hyperV.settingsAndTree(of: vm).1
            disks.cache.observe(vmID: vm.id, checkpointIDs: Set(tree.checkpoints.map(\.id)))
            return (vm, tree)
        }
    }
}
