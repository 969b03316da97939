import HyperV

extension CheckpointService {
    /// Deletes one checkpoint (children survive, disks merge), a subtree, or every checkpoint of the VM. An absent
    /// checkpoint is success (a re-sent delete). The report's disks are read after the merge, so they are final.
    public func delete(_ request: DeleteRequest) async throws(CheckpointError) -> CheckpointReport {
        let what = request.scope == .all ? "deleting every checkpoint" : "deleting checkpoint \(request.checkpointName)"
        return try await exclusive(request.vmName, what) { () async throws(CheckpointError) in
            try await performDelete(request)
        }
    }

    func performDelete(_ request: DeleteRequest) async throws(CheckpointError) -> CheckpointReport {
        let deadline = deadline(request.timeout)
        let start = try await begin(request.vmName, deadline: deadline)
        let tree = start.tree
        let name = request.checkpointName
        let targets: [Checkpoint]
        switch request.scope {
        case .all: targets = tree.roots
        case .one, .subtree: targets = try unique(name, in: tree, vm: start.vm).map { [$0] } ?? []
        }
        guard !targets.isEmpty else {
            let storage = try await storage(request.disks, of: start.vm, memoryCheckpoints: start.memoryCheckpoints)
            let summary =
                request.scope == .all
                ? "VM \(start.vm.name) has no checkpoints; nothing to do"
                : "checkpoint \(name) does not exist on VM \(start.vm.name) (already deleted); nothing to do"
            return CheckpointReport(
                outcome: .alreadyAbsent, vm: start.vm, checkpoint: nil, currentCheckpointID: tree.currentID,
                memoryCheckpoints: start.memoryCheckpoints, storage: storage, summary: summary)
        }
        let removed = Set(
            request.scope == .one ? targets.map(\.id) : targets.flatMap { tree.descendants(of: $0.id) + [$0.id] })
        let vm = try await hostSteps(checkpoint: name) { () async throws(HyperVError) -> VirtualMachine in
            var vm = try await hyperV.waitForMerge(start.vm, deadline: deadline)
            // The merge rewrites the chains: what the cache knows of this VM's files no longer holds.
            disks.cache.invalidate(vmID: vm.id)
            for target in targets {
                if request.scope == .one {
                    try await hyperV.destroy(target, vm: vm, deadline: deadline)
                } else {
                    try await hyperV.destroyTree(target, vm: vm, deadline: deadline)
                }
                vm = try await hyperV.waitForMerge(try await hyperV.refresh(vm), deadline: deadline)
            }
            return vm
        }
        let remaining = tree.checkpoints.filter { !removed.contains($0.id) }
        var current = tree.currentID
        while let id = current, removed.contains(id) { current = tree.checkpoints.first { $0.id == id }?.parentID }
        let memoryCheckpoints = remaining.filter(\.hasMemory).count
        let storage = try await storage(request.disks, of: vm, memoryCheckpoints: memoryCheckpoints)
        let summary: String
        var kept = 0
        switch request.scope {
        case .one:
            let target = targets[0]
            kept = tree.children(of: target.id).count
            summary =
                "deleted checkpoint \(target.name) (id \(target.id)) of VM \(vm.name)\(kept > 0 ? "; its \(kept) child checkpoint(s) were kept" : ""); disks merged"
        case .subtree:
            summary =
                "deleted checkpoint \(targets[0].name) (id \(targets[0].id)) and the \(removed.count - 1) checkpoint(s) below it of VM \(vm.name); disks merged"
        case .all:
            summary = "deleted all \(removed.count) checkpoint(s) of VM \(vm.name); disks merged"
        }
        return CheckpointReport(
            outcome: .deleted(count: removed.count, keptChildren: kept), vm: vm,
            checkpoint: request.scope == .all ? nil : targets[0],
            currentCheckpointID: current, memoryCheckpoints: memoryCheckpoints, storage: storage, summary: summary)
    }
}
