import HyperV

extension CheckpointService {
    /// The VM, its checkpoint tree and (as asked) its disks. Read-only: takes no lock and changes nothing.
    public func inspect(vmName: String, disks detail: DiskDetail = .disksAndMemory) async throws(CheckpointError)
        -> VMCheckpoints
    {
        let (vm, tree) = try await hostSteps { () async throws(HyperVError) in
            let vm = try await hyperV.findVM(named: vmName)
            return (vm, try await hyperV.checkpointTree(of: vm, settings: try await hyperV.realizedSettings(of: vm)))
        }
        let storage = try await storage(detail, of: vm, memoryCheckpoints: tree.checkpoints.filter(\.hasMemory).count)
        return VMCheckpoints(vm: vm, tree: tree, storage: storage)
    }
}
