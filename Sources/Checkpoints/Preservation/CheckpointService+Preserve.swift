import Foundation
import HyperV
import WSMan

/// Checkpoints across CloudStack's stop and start (DESIGN §10). CloudStack's C# Hyper-V agent destroys the VM on every
/// stop and defines a fresh one on start; for a VM with checkpoints the agent keeps it instead: off, registered,
/// marked in its Notes, its configuration exported next to its disks. At start it is restored here, or imported in
/// place (same id, same checkpoint tree) when it is gone — then the C# agent finds it running.
extension CheckpointService {
    public struct PreservationSettings: Sendable {
        /// `lifecycle.preserve_checkpoints`.
        public var enabled = true
        /// `lifecycle.shutdown_timeout_seconds`: how long the guest gets to shut down before the VM is turned off.
        public var shutdownTimeout: Duration = .seconds(120)
        /// `lifecycle.export_root`; default: `<folder of the ROOT disk's base .vhdx>\hyperv-agent-export`.
        public var exportRoot: String?

        public init() {}
    }

    public enum StopOutcome: Sendable, Equatable {
        /// Not ours: the legacy agent handles it (no checkpoints, not on this host, preservation off).
        case forward(reason: String)
        /// Stopped and kept; `exported` false when the export failed (retried later). `details` for the answer.
        case preserved(exported: Bool, details: String)
    }

    public enum StartOutcome: Sendable, Equatable {
        /// Nothing of ours to do; the legacy agent starts the VM as usual.
        case forward(reason: String)
        /// Restored here or imported in place, and started; the legacy agent then finds it running.
        case restored(details: String)
    }

    var preservation: PreservationStore { PreservationStore(stateDirectory: settings.stateDirectory) }

    // MARK: stop

    /// Stops a VM with checkpoints here, or — when it is not ours (no checkpoints, not on this host) — runs
    /// `otherwise` (the legacy agent's stop) still holding the VM, so no start slips in between.
    public func preserveOnStop<Reply: Sendable>(
        vmName: String, force: Bool, settings lifecycle: PreservationSettings,
        otherwise: @escaping @Sendable () async -> Reply
    ) async throws(CheckpointError) -> (StopOutcome, Reply?) {
        guard lifecycle.enabled else {
            return (.forward(reason: "lifecycle.preserve_checkpoints is off"), await otherwise())
        }
        return try await exclusive(vmName, "stopping (checkpoints preserved)", waitingForCurrent: true) {
            () async throws(CheckpointError) -> (StopOutcome, Reply?) in
            let outcome = try await self.preserve(vmName: vmName, force: force, lifecycle: lifecycle)
            guard case .forward = outcome else { return (outcome, nil) }
            return (outcome, await otherwise())
        }
    }

    func preserve(vmName: String, force: Bool, lifecycle: PreservationSettings) async throws(CheckpointError)
        -> StopOutcome
    {
        let vm: VirtualMachine
        do { vm = try await hyperV.findVM(named: vmName) } catch where error.code == .vmNotFound {
            return .forward(reason: "VM \(vmName) is not on this host")
        } catch {
            throw CheckpointError(error)
        }
        let (settingsData, tree) = try await hostSteps { () async throws(HyperVError) in
            try await hyperV.settingsAndTree(of: vm)
        }
        let notes = settingsData.string("Notes") ?? ""
        guard !tree.checkpoints.isEmpty || PreservedNotes.isMarked(notes) else {
            return .forward(reason: "VM \(vmName) has no checkpoints")
        }
        let deadline = deadline(nil)
        let count = tree.checkpoints.count
        // 1. The guest, then the VM.
        let stopped = try await hostSteps { () async throws(HyperVError) -> VirtualMachine in
            var current = try await hyperV.waitUntilSettled(vm, deadline: deadline)
            if current.isRunning && !force, let component = try await hyperV.shutdownComponent(of: current) {
                try await hyperV.initiateShutdown(
                    component, vm: current, force: false, reason: "CloudStack stopped the VM", deadline: deadline)
                current = try await hyperV.waitForShutdown(current, until: clock.now() + lifecycle.shutdownTimeout)
                if !current.isOff && !current.isSaved {
                    logger.notice(
                        "the guest did not shut down in time; turning the VM off",
                        metadata: ["cloudstack.vm": "\(vmName)", "timeout_s": "\(lifecycle.shutdownTimeout)"])
                }
            }
            if !current.isOff && !current.isSaved {
                current = try await hyperV.waitUntilSettled(current, deadline: deadline)
                if !current.isOff && !current.isSaved { try await hyperV.requestState(3, of: current, deadline: deadline) }
            }
            return try await hyperV.refresh(current)
        }
        // 2. The record, before the Notes change (an interrupted stop is finished from it).
        var record: PreservationStore.Record
        if let known = preservation.record(vmName) {
            record = known
        } else {
            record = PreservationStore.Record(
                vmName: vmName, vmID: vm.id, originalNotes: PreservedNotes.original(from: notes) ?? notes,
                exportDirectory: try await exportDirectory(for: stopped, lifecycle: lifecycle), exported: false,
                lastError: nil, stoppedAt: Date())
        }
        record.vmID = vm.id
        record.exported = false
        try saveRecord(record)
        // 3. The mark that keeps the C# agent's scrub away (no "CloudStack" in it).
        if !PreservedNotes.isMarked(notes) {
            try await hostSteps { () async throws(HyperVError) in
                try await hyperV.setNotes(PreservedNotes.mark(original: record.originalNotes), of: stopped, deadline: deadline)
            }
        }
        // 4. The export; a failure keeps the VM preserved here, and the export is retried.
        let exported = await export(&record, vm: stopped, deadline: deadline)
        let kept = "VM \(vmName) stopped and kept registered with its \(count) checkpoint\(count == 1 ? "" : "s")"
        if exported {
            return .preserved(exported: true, details: "\(kept); configuration exported to \(record.definitionFile)")
        }
        return .preserved(
            exported: false,
            details:
                "\(kept); exporting its configuration to \(record.exportDirectory) failed (\(record.lastError ?? "unknown")) and will be retried — nothing is lost, the VM and its checkpoints stay on this host"
        )
    }

    /// Exports the VM's configuration per `record`, updating it; true on success.
    func export(_ record: inout PreservationStore.Record, vm: VirtualMachine, deadline: ContinuousClock.Instant) async
        -> Bool
    {
        do {
            try await hyperV.exportDefinition(of: vm, to: record.exportDirectory, deadline: deadline)
            record.exported = true
            record.lastError = nil
        } catch {
            record.lastError = error.message
            logger.warning(
                "export of a preserved VM failed; it will be retried",
                metadata: ["cloudstack.vm": "\(record.vmName)", "error": "\(error.message)"])
        }
        try? saveRecord(record)
        return record.exported
    }

    func saveRecord(_ record: PreservationStore.Record) throws(CheckpointError) {
        do { try preservation.save(record) } catch {
            throw CheckpointError(
                .journalUnwritable,
                "cannot record the preservation of VM \(record.vmName) in \(settings.stateDirectory)/preserved: \(error); check agent.state_dir",
                vm: record.vmName)
        }
    }

    /// `<folder of the ROOT disk's base .vhdx>\hyperv-agent-export`, or under `lifecycle.export_root`.
    func exportDirectory(for vm: VirtualMachine, lifecycle: PreservationSettings) async throws(CheckpointError)
        -> String
    {
        if let root = lifecycle.exportRoot, !root.isEmpty { return root }
        let storage = try await hostSteps { () async throws(HyperVError) in
            try await disks.storage(of: vm, includeMemory: false)
        }
        guard let base = storage.disks.first.map({ $0.chain.last ?? $0.activePath }),
            let slash = base.lastIndex(of: "\\")
        else {
            throw CheckpointError(
                .unexpectedAnswer,
                "VM \(vm.name) has no virtual hard disk to export next to; set lifecycle.export_root", vm: vm.name)
        }
        return String(base[..<slash]) + "\\hyperv-agent-export"
    }

    /// Upkeep of the VMs this agent preserved (`serve` at start and every 5 minutes; a re-sent stop re-exports its own
    /// VM anyway): retries the exports
    /// that failed, and drops a stale copy — a preserved VM that another host registered in place from its export
    /// (its runtime state file `<GUID>.vmrs` lies beside the exported `.vmcx`) — with `DestroySystem`, disks kept.
    public func upkeepPreservedVMs() async {
        for record in preservation.all() where record.exported {
            _ = try? await exclusive(record.vmName, "dropping a stale preserved copy") {
                () async throws(CheckpointError) -> Bool in
                let folder = "\(record.exportDirectory)\\\(record.vmName)\\Virtual Machines"
                guard let runtime = try? await self.disks.files(in: folder, extension: "vmrs", vm: record.vmName),
                    runtime.contains(where: { $0.lowercased().contains(record.vmID.lowercased()) }),
                    let vm = try? await self.hyperV.findVM(named: record.vmName), vm.id == record.vmID,
                    vm.isOff || vm.isSaved,
                    let notes = try? await self.hyperV.notes(of: vm), PreservedNotes.isMarked(notes)
                else { return false }
                try await self.hostSteps { () async throws(HyperVError) in
                    try await self.hyperV.destroyDefinition(of: vm, deadline: self.deadline(nil))
                }
                self.preservation.remove(record.vmName)
                self.logger.notice(
                    "another host registered the preserved VM from its export; the stale copy here was removed (disks kept)",
                    metadata: ["cloudstack.vm": "\(record.vmName)"])
                return true
            }
        }
        for pending in preservation.all() where !pending.exported {
            _ = try? await exclusive(pending.vmName, "retrying the export of a preserved VM") {
                () async throws(CheckpointError) -> Bool in
                guard var record = self.preservation.record(pending.vmName), !record.exported,
                    let vm = try? await self.hyperV.findVM(named: record.vmName)
                else { return false }
                return await self.export(&record, vm: vm, deadline: self.deadline(nil))
            }
        }
    }

    // MARK: start

    /// `rootDiskBase`: the ROOT volume's base `.vhdx` (from the StartCommand: pool path + volume path), where the
    /// export of a VM that is no longer registered is looked for.
    /// Restores a preserved VM (or imports it in place), then runs `then` (the legacy agent's start) still holding the
    /// VM: a stop arriving meanwhile waits, so the legacy agent never sees a VM half-way through a stop.
    public func restoreOnStart<Reply: Sendable>(
        vmName: String, rootDiskBase: String?, settings lifecycle: PreservationSettings,
        then forward: @escaping @Sendable () async -> Reply
    ) async throws(CheckpointError) -> (StartOutcome, Reply) {
        guard lifecycle.enabled else {
            return (.forward(reason: "lifecycle.preserve_checkpoints is off"), await forward())
        }
        return try await exclusive(vmName, "starting a preserved VM", waitingForCurrent: true) {
            () async throws(CheckpointError) -> (StartOutcome, Reply) in
            let outcome = try await self.restore(vmName: vmName, rootDiskBase: rootDiskBase, lifecycle: lifecycle)
            return (outcome, await forward())
        }
    }

    func restore(vmName: String, rootDiskBase: String?, lifecycle: PreservationSettings) async throws(CheckpointError)
        -> StartOutcome
    {
        let deadline = deadline(nil)
        let record = preservation.record(vmName)
        var vm: VirtualMachine?
        do { vm = try await hyperV.findVM(named: vmName) } catch where error.code == .vmNotFound { vm = nil } catch {
            throw CheckpointError(error)
        }
        var how = "restored on this host"
        if vm == nil {
            // Gone (destroyed behind our back) or never here (started on another host over the same storage).
            guard let (definition, snapshots) = try await findExport(vmName, record: record, rootDiskBase: rootDiskBase, lifecycle: lifecycle) else {
                return .forward(reason: "VM \(vmName) is not registered here and no export of it was found")
            }
            try await hostSteps { () async throws(HyperVError) in
                try await hyperV.importInPlace(
                    definitionFile: definition, snapshotFolder: snapshots, vmName: vmName, deadline: deadline)
            }
            vm = try await hostSteps { () async throws(HyperVError) in try await hyperV.findVM(named: vmName) }
            how = "imported in place from \(definition) with its id and checkpoint tree"
        }
        guard let found = vm else { return .forward(reason: "VM \(vmName) not found") }
        let notes = try await hostSteps { () async throws(HyperVError) in try await hyperV.notes(of: found) }
        guard let original = PreservedNotes.original(from: notes) else {
            return .forward(reason: "VM \(vmName) was not preserved by hyperv-agent")
        }
        try await hostSteps { () async throws(HyperVError) in
            try await hyperV.setNotes(original, of: found, deadline: deadline)
            let current = try await hyperV.waitUntilSettled(found, deadline: deadline)
            if !current.isRunning { try await hyperV.requestState(2, of: current, deadline: deadline) }
        }
        preservation.remove(vmName)
        return .restored(details: "VM \(vmName) \(how) and started")
    }

    func findExport(
        _ vmName: String, record: PreservationStore.Record?, rootDiskBase: String?, lifecycle: PreservationSettings
    ) async throws(CheckpointError) -> (String, String)? {
        if let record, record.exported { return (record.definitionFile, record.snapshotFolder) }
        let root: String
        if let configured = lifecycle.exportRoot, !configured.isEmpty {
            root = configured
        } else if let base = rootDiskBase, let slash = base.lastIndex(of: "\\") {
            root = String(base[..<slash]) + "\\hyperv-agent-export"
        } else {
            return nil
        }
        let folder = "\(root)\\\(vmName)"
        let files = try await hostSteps { () async throws(HyperVError) in
            try await disks.files(in: "\(folder)\\Virtual Machines", extension: "vmcx", vm: vmName)
        }
        guard let file = files?.first else { return nil }
        return (file, "\(folder)\\Snapshots")
    }

    // MARK: expunge

    /// Removes a preserved VM (`DestroySystem`, files kept) and forgets it, before the legacy agent deletes its
    /// files. Returns whether there was one.
    public func expungePreserved(vmName: String) async throws(CheckpointError) -> Bool {
        try await exclusive(vmName, "expunging a preserved VM", waitingForCurrent: true) { () async throws(CheckpointError) -> Bool in
            let record = self.preservation.record(vmName)
            guard let vm = try? await self.hyperV.findVM(named: vmName) else {
                self.preservation.remove(vmName)
                return record != nil
            }
            let notes = try await self.hostSteps { () async throws(HyperVError) in try await self.hyperV.notes(of: vm) }
            guard PreservedNotes.isMarked(notes) else { return false }
            try await self.hostSteps { () async throws(HyperVError) in
                let deadline = self.deadline(nil)
                let current = try await self.hyperV.waitUntilSettled(vm, deadline: deadline)
                if !current.isOff && !current.isSaved { try await self.hyperV.requestState(3, of: current, deadline: deadline) }
                try await self.hyperV.destroyDefinition(of: vm, deadline: deadline)
            }
            if let record, record.exported {
                do {
                    try await self.hyperV.deleteFile(record.definitionFile, vm: vmName, deadline: self.deadline(nil))
                } catch {
                    self.logger.warning(
                        "the export of an expunged VM could not be deleted; remove it by hand",
                        metadata: ["cloudstack.vm": "\(vmName)", "file": "\(record.definitionFile)", "error": "\(error)"])
                }
            }
            self.preservation.remove(vmName)
            return true
        }
    }

    /// The VMs this host keeps preserved (for `checkpoints list` and `probe`).
    public func preservedVMs() async throws(CheckpointError) -> [String] {
        let vms = try await hostSteps { () async throws(HyperVError) in try await hyperV.virtualMachines() }
        var preserved: [String] = []
        for vm in vms where vm.isOff || vm.isSaved {
            if let notes = try? await hyperV.notes(of: vm), PreservedNotes.isMarked(notes) { preserved.append(vm.name) }
        }
        return preserved
    }
}
