import HyperV

extension CheckpointService {
    /// Checks a VM's disks against its checkpoints, read-only and without the cache: every chain intact, every
    /// checkpoint's disk present and descending from its parent checkpoint's, no `.avhdx` of the VM's disks left
    /// unreferenced (listed, never deleted), no chain deeper than `warnDepth`, and whether a merge runs.
    public func verify(vmName: String, warnDepth: Int) async throws(CheckpointError) -> VerificationReport {
        let (vm, tree) = try await listCheckpoints(vmName: vmName)
        return try await hostSteps { () async throws(HyperVError) -> VerificationReport in
            var findings: [VerificationReport.Finding] = []
            func problem(_ kind: VerificationReport.Finding.Kind, _ message: String, _ path: String?) {
                findings.append(.init(kind: kind, isProblem: true, message: message, path: path))
            }
            if vm.isMerging {
                findings.append(
                    .init(
                        kind: .mergeInProgress, isProblem: false,
                        message:
                            "a disk merge runs on VM \(vm.name) (a checkpoint was deleted): chains are changing; verify again when it has finished",
                        path: nil))
            }
            var surveys: [String: DiskChainReader.ChainSurvey] = [:]
            func survey(_ path: String) async throws(HyperVError) -> DiskChainReader.ChainSurvey {
                if let known = surveys[path.lowercased()] { return known }
                let result = try await disks.survey(from: path, vm: vm.name)
                surveys[path.lowercased()] = result
                if let (file, parent) = result.missingParent {
                    problem(
                        .brokenChain,
                        "\(VirtualDisk.fileName(file)) of VM \(vm.name) names the parent \(parent), which does not exist: the disk cannot be opened; restore the file from backup or reconnect the chain (Edit-VHD / Set-VHD -ParentPath)",
                        file)
                }
                return result
            }
            // The VM's active chains.
            let active = try await disks.diskPaths(ofSettings: vm.id, vm: vm.name)
            var chains: [VerificationReport.Chain] = []
            for (slot, path) in active.enumerated() {
                let chain = try await survey(path)
                let depth = max(0, chain.files.count - (chain.missingParent == nil ? 1 : 0))
                chains.append(.init(slot: slot, files: chain.files, depth: depth))
                if depth > warnDepth {
                    problem(
                        .deepChain,
                        "disk \(slot) of VM \(vm.name) is a chain of \(depth) differencing files (hyperv.chain_warn_depth = \(warnDepth)): every read walks them; delete old VM snapshots to merge them",
                        path)
                }
            }
            // Each checkpoint's disks: present, and descending from the parent checkpoint's disks.
            var checkpointDisks: [String: [String]] = [:]
            for checkpoint in tree.checkpoints {
                checkpointDisks[checkpoint.id] = try await disks.diskPaths(ofSettings: checkpoint.id, vm: vm.name)
            }
            func descends(_ child: [String], from parent: [String], what: String) async throws(HyperVError) {
                for (slot, (file, ancestor)) in zip(child, parent).enumerated() {
                    let chain = try await survey(file)
                    guard
                        chain.startMissing || chain.missingParent != nil
                            || chain.files.contains(where: { $0.caseInsensitiveCompare(ancestor) == .orderedSame })
                    else {
                        problem(
                            .chainMismatch,
                            "disk \(slot) of \(what) (\(VirtualDisk.fileName(file))) does not descend from \(VirtualDisk.fileName(ancestor)); Hyper-V's configuration and the files disagree — do not delete or apply checkpoints of VM \(vm.name) until it is repaired",
                            file)
                        continue
                    }
                }
            }
            for checkpoint in tree.checkpoints {
                let files = checkpointDisks[checkpoint.id] ?? []
                for file in files where try await survey(file).startMissing {
                    problem(
                        .missingCheckpointFile,
                        "checkpoint \(checkpoint.name) (id \(checkpoint.id)) of VM \(vm.name) references \(file), which does not exist: applying it would fail; delete the checkpoint or restore the file",
                        file)
                }
                if let parent = checkpoint.parentID, let parentFiles = checkpointDisks[parent] {
                    try await descends(files, from: parentFiles, what: "checkpoint \(checkpoint.name)")
                }
            }
            if let current = tree.currentID, let currentFiles = checkpointDisks[current] {
                try await descends(active, from: currentFiles, what: "VM \(vm.name)")
            }
            // Orphans: .avhdx files of this VM's disks (Hyper-V names them <base>_<GUID>.avhdx) that nothing uses.
            let referenced = Set(surveys.values.flatMap(\.files).map { $0.lowercased() })
            let bases = Set(
                chains.compactMap { $0.files.last }.map { base in
                    let name = VirtualDisk.fileName(base).lowercased()
                    return String(name[..<(name.lastIndex(of: ".") ?? name.endIndex)]) + "_"
                })
            var listedFolders = Set<String>()
            for path in active + checkpointDisks.values.flatMap({ $0 }) {
                let folder = String(path.lowercased()[..<(path.lowercased().lastIndex(of: "\\") ?? path.endIndex)])
                guard listedFolders.insert(folder).inserted else { continue }
                guard let listed = try await disks.files(besides: path, extension: "avhdx", vm: vm.name) else {
                    findings.append(
                        .init(
                            kind: .folderNotListed, isProblem: false,
                            message:
                                "\(folder) is not on a local drive of the host: not searched for orphaned .avhdx files",
                            path: folder))
                    continue
                }
                for file in listed.sorted()
                where !referenced.contains(file.lowercased())
                    && bases.contains(where: { VirtualDisk.fileName(file).lowercased().hasPrefix($0) })
                {
                    problem(
                        .orphan,
                        "\(file) belongs to VM \(vm.name)'s disks but no chain and no checkpoint uses it (left by an interrupted merge or a manual copy): not deleted — check it and remove it by hand if it is not needed",
                        file)
                }
            }
            // One finding per file and kind (chains share ancestors).
            var seen = Set<String>()
            findings = findings.filter { seen.insert("\($0.kind.rawValue)|\($0.path?.lowercased() ?? "")").inserted }
            return VerificationReport(
                vm: vm, checkpoints: tree.checkpoints.count, chains: chains, findings: findings, warnDepth: warnDepth)
        }
    }
}
