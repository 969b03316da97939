import Foundation

/// What checkpoint operations do to the host's VMs, checkpoints and differencing-disk chains.
extension SimulatedHost {
    /// Bytes written to a disk while it was the active file, before a checkpoint froze it (deterministic, for sizes).
    static let bytesWrittenPerGeneration: Int64 = 32 << 20
    /// A fresh `.avhdx` is 4 MiB on a real host.
    static let newDifferencingDiskSize: Int64 = 4 << 20

    /// Directory part of a Windows path (`C:\a\b.vhdx` → `C:\a`).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "\\") else { return "" }
        return String(path[..<slash])
    }

    /// Base name of the chain's bottom file without extension (`…\disk.vhdx` → `disk`).
    func baseName(of path: String) -> String {
        let base = chain(from: path).last ?? path
        let fileName = base.split(separator: "\\").last.map(String.init) ?? base
        return fileName.split(separator: ".").dropLast().joined(separator: ".")
    }

    /// Adds a new differencing disk `<base>_<GUID>.avhdx` on top of `parent` and returns its path.
    mutating func addDifferencingDisk(on parent: String) -> String {
        let path = Self.directory(of: parent) + "\\" + baseName(of: parent) + "_" + GUID.make() + ".avhdx"
        let virtualSize = file(path: parent)?.maxInternalSize ?? 0
        files.append(
            DiskFile(
                path: path, parentPath: parent, fileSize: Self.newDifferencingDiskSize, maxInternalSize: virtualSize))
        return path
    }

    /// Takes a checkpoint of `vmID` now: the active files freeze and the VM moves to new `.avhdx` files.
    @discardableResult
    public mutating func takeCheckpoint(
        vmID: String, name: String? = nil, memory: Bool, at time: Double, id: String = GUID.make()
    ) -> Checkpoint? {
        guard let vmIndex = vmIndex(id: vmID) else { return nil }
        var vm = vms[vmIndex]
        var frozen: [String] = []
        for index in vm.disks.indices {
            let active = vm.disks[index].activePath
            if let fileIndex = fileIndex(path: active) { files[fileIndex].fileSize += Self.bytesWrittenPerGeneration }
            frozen.append(active)
            vm.disks[index].activePath = addDifferencingDisk(on: active)
        }
        let checkpoint = Checkpoint(
            id: id, vmID: vm.id, name: name ?? Self.defaultCheckpointName(vm: vm.name, at: time),
            parentID: vm.currentCheckpointID, createdAt: time, hasMemory: memory, diskPaths: frozen,
            userSnapshotType: vm.userSnapshotType)
        vm.currentCheckpointID = checkpoint.id
        vms[vmIndex] = vm
        checkpoints.append(checkpoint)
        return checkpoint
    }

    /// Hyper-V's own name for a new checkpoint: `<VM> - (MM/dd/yyyy - HH:mm:ss)`.
    static func defaultCheckpointName(vm: String, at time: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MM/dd/yyyy - HH:mm:ss"
        return "\(vm) - (\(formatter.string(from: Date(timeIntervalSince1970: time))))"
    }

    /// Applies a checkpoint: the VM's unsaved differencing disks are discarded, new ones are created on the
    /// checkpoint's files, and the VM ends Saved (memory checkpoint) or Off.
    mutating func applyCheckpoint(id: String) {
        guard let checkpoint = checkpoint(id: id), let vmIndex = vmIndex(id: checkpoint.vmID) else { return }
        var vm = vms[vmIndex]
        let discarded = vm.disks.map(\.activePath)
        for index in vm.disks.indices {
            vm.disks[index].activePath = addDifferencingDisk(on: checkpoint.diskPaths[safe: index] ?? discarded[index])
        }
        vm.currentCheckpointID = checkpoint.id
        vm.state = checkpoint.hasMemory ? 6 : 3
        vms[vmIndex] = vm
        compact()
    }

    /// Destroys one checkpoint: children move to its parent, then the disk chains are compacted (see ``compact()``).
    mutating func destroyCheckpoint(id: String, mergeUntil: Double) {
        guard let index = checkpointIndex(id: id) else { return }
        let checkpoint = checkpoints.remove(at: index)
        for child in checkpoints.indices where checkpoints[child].parentID == checkpoint.id {
            checkpoints[child].parentID = checkpoint.parentID
        }
        guard let vmIndex = vmIndex(id: checkpoint.vmID) else { return }
        if vms[vmIndex].currentCheckpointID == checkpoint.id {
            vms[vmIndex].currentCheckpointID = checkpoint.parentID
        }
        compact()
        vms[vmIndex].mergingUntil = mergeUntil
    }

    /// Merges away every file no checkpoint needs: a file no checkpoint points at, with exactly one child, absorbs
    /// that child (the child disappears; whoever used it uses the parent). Repeats until nothing changes, so
    /// deleting all checkpoints leaves the VM on its base `.vhdx`, as on Hyper-V.
    mutating func compact() {
        var changed = true
        while changed {
            changed = false
            for file in files {
                let referenced =
                    checkpoints.contains {
                        $0.diskPaths.contains { $0.caseInsensitiveCompare(file.path) == .orderedSame }
                    }
                    || vms.contains {
                        $0.disks.contains { $0.activePath.caseInsensitiveCompare(file.path) == .orderedSame }
                    }
                let children = files.filter { $0.parentPath?.caseInsensitiveCompare(file.path) == .orderedSame }
                if !referenced, children.isEmpty, file.parentPath != nil, let index = fileIndex(path: file.path) {
                    files.remove(at: index)  // the discarded state of a reverted VM
                    changed = true
                    break
                }
                if !referenced, children.count == 1, let child = children.first {
                    merge(child: child.path, into: file.path)
                    changed = true
                    break
                }
            }
        }
    }

    /// Merges `child` into its parent `parent`: sizes add up, references move to the parent, the child goes.
    mutating func merge(child: String, into parent: String) {
        guard let childIndex = fileIndex(path: child) else { return }
        let childFile = files.remove(at: childIndex)
        if let parentIndex = fileIndex(path: parent) { files[parentIndex].fileSize += childFile.fileSize }
        func same(_ a: String) -> Bool { a.caseInsensitiveCompare(child) == .orderedSame }
        for v in vms.indices {
            for d in vms[v].disks.indices where same(vms[v].disks[d].activePath) { vms[v].disks[d].activePath = parent }
        }
        for c in checkpoints.indices {
            for d in checkpoints[c].diskPaths.indices where same(checkpoints[c].diskPaths[d]) {
                checkpoints[c].diskPaths[d] = parent
            }
        }
        for f in files.indices where files[f].parentPath.map(same) == true { files[f].parentPath = parent }
    }

    /// The checkpoint and all its descendants, deepest first.
    func subtree(of id: String) -> [String] {
        var order: [String] = []
        func visit(_ node: String) {
            for child in checkpoints where child.parentID?.caseInsensitiveCompare(node) == .orderedSame {
                visit(child.id)
            }
            order.append(node)
        }
        visit(id)
        return order
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
