import Foundation
import Logging
import WSMan

/// Hyper-V methods that change a VM or a checkpoint: each invoked, its job waited for, and — should the host
/// forget the job — its effect read back from the objects it changes.
extension HyperVClient {
    /// Invokes a method and, for 4096, waits for its job. Any other non-zero ReturnValue is a named error.
    /// `effect` tells, from the objects the method changes, whether it happened: it decides when the host forgot the
    /// job before its end was seen (``HyperVError/Code/jobVanished``).
    @discardableResult
    public func call(
        _ request: InvokeRequest, vm: String, deadline: ContinuousClock.Instant, describe: String,
        effect: (@Sendable () async throws(HyperVError) -> Bool)? = nil
    ) async throws(HyperVError) -> (InvokeOutput, WSManInstance?) {
        let output: InvokeOutput
        do { output = try await client.invoke(request) } catch { throw .wsman(error, doing: describe, vm: vm) }
        switch output.returnValue {
        case ReturnCode.completed?:
            return (output, nil)
        case ReturnCode.jobStarted?:
            guard let job = output.job else {
                throw HyperVError(
                    .unexpectedAnswer, "\(describe) on VM \(vm): ReturnValue 4096 without a Job reference", vm: vm)
            }
            do {
                return (output, try await waitForJob(job, method: request.method, vm: vm, deadline: deadline))
            } catch  where error.code == .jobVanished {
                guard let effect, try await effect() else { throw error }
                logger.notice(
                    "job gone before its end was seen; its effect is there", metadata: ["cloudstack.vm": "\(vm)"])
                return (output, nil)
            }
        case let code?:
            var error = HyperVError(
                .methodFailed,
                "\(describe) on VM \(vm) was refused by Hyper-V: \(request.method) returned \(ReturnCode.describe(code))\(Self.hint(code))",
                vm: vm)
            error.returnCode = code
            throw error
        case nil:
            throw HyperVError(
                .unexpectedAnswer, "\(describe) on VM \(vm): \(request.method) answered without a ReturnValue", vm: vm)
        }
    }

    static func hint(_ code: Int) -> String {
        switch code {
        case 32775:
            return " — the VM's state does not allow it (running, or a disk merge still in progress); retry later"
        case 32774: return " — the VM is in use by another operation; retry later"
        case 32769: return " — the WinRM account lacks Hyper-V rights (Hyper-V Administrators group)"
        default: return ""
        }
    }

    func snapshotService(_ method: String, _ parameters: [InvokeParameter]) -> InvokeRequest {
        InvokeRequest(
            resourceURI: Msvm.uri(Msvm.snapshotService), method: method,
            selectors: Msvm.serviceSelectors(Msvm.snapshotService), parameters: parameters)
    }

    func managementService(_ method: String, _ parameters: [InvokeParameter]) -> InvokeRequest {
        InvokeRequest(
            resourceURI: Msvm.uri(Msvm.managementService), method: method,
            selectors: Msvm.serviceSelectors(Msvm.managementService), parameters: parameters)
    }

    /// `RequestStateChange` (2 start, 3 turn off, 6 save) and wait.
    public func requestState(_ state: Int, of vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        let request = InvokeRequest(
            resourceURI: Msvm.uri(Msvm.computerSystem), method: "RequestStateChange", selectors: vm.selectors,
            parameters: [.scalar("RequestedState", String(state))])
        let client = self
        let describe =
            state == 2 ? "starting the VM" : state == 3 ? "turning the VM off" : "changing the VM state to \(state)"
        let effect: @Sendable () async throws(HyperVError) -> Bool = { () async throws(HyperVError) in
            try await client.refresh(vm).enabledState == state
        }
        do {
            try await call(request, vm: vm.name, deadline: deadline, describe: describe, effect: effect)
        } catch  where error.returnCode == 32775 {
            // Refused: the VM may be merging or passing through a transitional state. Wait for it to settle and ask
            // once more; refused for any other reason, the refusal stands.
            let fresh = try await refresh(vm)
            guard fresh.isMerging || fresh.isMoving else { throw error }
            if try await waitUntilSettled(fresh, deadline: deadline).enabledState == state { return }
            try await call(request, vm: vm.name, deadline: deadline, describe: describe, effect: effect)
        }
    }

    /// Sets `UserSnapshotType` on the VM's realized settings.
    public func setCheckpointType(_ type: CheckpointType, of vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        let settings = CIMInstance(
            className: Msvm.virtualSystemSettingData,
            properties: [
                .init("InstanceID", type: "string", .scalar("Microsoft:\(vm.id)")),
                .init("UserSnapshotType", type: "uint16", .scalar(String(type.rawValue))),
            ])
        let client = self
        try await call(
            managementService("ModifySystemSettings", [.embedded("SystemSettings", settings)]), vm: vm.name,
            deadline: deadline, describe: "setting the checkpoint type to \(type)",
            effect: { () async throws(HyperVError) in
                try await client.realizedSettings(of: vm).int("UserSnapshotType") == type.rawValue
            })
    }

    /// Renames a checkpoint (`ModifySystemSettings` with `ElementName`).
    public func rename(_ checkpoint: Checkpoint, to name: String, vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        let settings = CIMInstance(
            className: Msvm.virtualSystemSettingData,
            properties: [
                .init("InstanceID", type: "string", .scalar(checkpoint.instanceID)),
                .init("ElementName", type: "string", .scalar(name)),
            ])
        let client = self
        try await call(
            managementService("ModifySystemSettings", [.embedded("SystemSettings", settings)]), vm: vm.name,
            deadline: deadline, describe: "renaming checkpoint \(checkpoint.id) to \(name)",
            effect: { () async throws(HyperVError) in
                try await client.checkpoint(id: checkpoint.id, vm: vm).name == name
            })
    }

    public func apply(_ checkpoint: Checkpoint, vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        let client = self
        try await call(
            snapshotService("ApplySnapshot", [.reference("Snapshot", checkpoint.reference)]), vm: vm.name,
            deadline: deadline, describe: "applying checkpoint \(checkpoint.name)",
            effect: { () async throws(HyperVError) in
                let settings = try await client.realizedSettings(of: vm)
                return settings.string("Parent").flatMap(Checkpoint.guid(fromObjectPath:)) == checkpoint.id
            })
    }

    public func destroy(_ checkpoint: Checkpoint, vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        try await call(
            snapshotService("DestroySnapshot", [.reference("AffectedSnapshot", checkpoint.reference)]), vm: vm.name,
            deadline: deadline, describe: "deleting checkpoint \(checkpoint.name)", effect: gone(checkpoint, vm: vm))
    }

    public func destroyTree(_ checkpoint: Checkpoint, vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        try await call(
            snapshotService("DestroySnapshotTree", [.reference("SnapshotSettingData", checkpoint.reference)]),
            vm: vm.name, deadline: deadline, describe: "deleting the checkpoint subtree of \(checkpoint.name)",
            effect: gone(checkpoint, vm: vm))
    }

    /// Drops a checkpoint's saved memory, keeping its disks (a crash-consistent disk-only checkpoint).
    public func clearState(_ checkpoint: Checkpoint, vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        let client = self
        try await call(
            snapshotService("ClearSnapshotState", [.reference("SnapshotSettingData", checkpoint.reference)]),
            vm: vm.name, deadline: deadline, describe: "dropping the saved memory of checkpoint \(checkpoint.name)",
            effect: { () async throws(HyperVError) in
                !(try await client.checkpoint(id: checkpoint.id, vm: vm).hasMemory)
            })
    }

    /// Whether a checkpoint no longer exists (the effect of a destroy whose job was forgotten).
    func gone(_ checkpoint: Checkpoint, vm: VirtualMachine) -> @Sendable () async throws(HyperVError) -> Bool {
        let client = self
        return { () async throws(HyperVError) in
            do throws(HyperVError) {
                _ = try await client.checkpoint(id: checkpoint.id, vm: vm)
                return false
            } catch {
                guard let underlying = error.underlying, JobWaiter.isGone(underlying) else { throw error }
                return true
            }
        }
    }
}
