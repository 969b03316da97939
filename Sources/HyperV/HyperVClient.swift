import Foundation
import Logging
import WSMan

/// Hyper-V operations over WS-Man, each in as few round trips as the protocol allows.
///
/// Methods take the operation's `deadline`; jobs are waited for with ``JobWaiter`` (progress logged).
public struct HyperVClient: Sendable {
    public let client: WSManClient
    public var logger: Logger
    public var schedule = PollSchedule()
    public var clock = HostClock.live
    public var onProgress: @Sendable (JobProgress) -> Void = { _ in }
    /// Called after each job wait with the method and the time waited (metrics).
    public var onJobWaited: @Sendable (String, Duration) -> Void = { _, _ in }

    public init(client: WSManClient, logger: Logger = Logger(label: "hyperv-agent.hyperv")) {
        self.client = client
        self.logger = logger
    }

    // MARK: lookups

    /// The VM whose `ElementName` is exactly `name` (1 round trip). Absence and ambiguity are errors.
    public func findVM(named name: String) async throws(HyperVError) -> VirtualMachine {
        let query = WQL.select(from: Msvm.computerSystem, where: [("ElementName", name)])
        let found: [WSManInstance]
        do { found = try await client.enumerate(EnumerateRequest(wql: query)) } catch {
            throw .wsman(error, doing: "looking up the VM", vm: name)
        }
        // WQL compares case-insensitively; CloudStack names are exact.
        let vms = found.filter { $0.string("ElementName") == name && $0.string("Description") != Msvm.hostDescription }
            .map(VirtualMachine.init)
        guard let vm = vms.first else {
            throw HyperVError(
                .vmNotFound,
                "VM \(name) was not found on this Hyper-V host (no Msvm_ComputerSystem with that ElementName); check that the VM exists on \(client.transport.endpoint)",
                vm: name)
        }
        guard vms.count == 1 else {
            throw HyperVError(
                .vmAmbiguous,
                "VM name \(name) is ambiguous: \(vms.count) VMs carry it (\(vms.map(\.id).joined(separator: ", "))); rename the duplicates",
                vm: name)
        }
        return vm
    }

    /// Every virtual machine on the host, without the host's own `Msvm_ComputerSystem` (1 enumeration; a VM's
    /// `Name` is its GUID, the host's is its computer name — that holds on every locale, unlike `Caption`).
    public func virtualMachines() async throws(HyperVError) -> [VirtualMachine] {
        let found: [WSManInstance]
        do {
            found = try await client.enumerate(
                EnumerateRequest(wql: WQL.select(from: Msvm.computerSystem), maxElements: 256))
        } catch {
            throw .wsman(error, doing: "listing the host's VMs", vm: nil)
        }
        return found.map(VirtualMachine.init).filter { UUID(uuidString: $0.id) != nil }
    }

    /// Fresh state of a VM (1 round trip).
    public func refresh(_ vm: VirtualMachine) async throws(HyperVError) -> VirtualMachine {
        do {
            return VirtualMachine(try await client.get(GetRequest(vm.reference)))
        } catch {
            throw .wsman(error, doing: "reading the VM state", vm: vm.name)
        }
    }

    /// The VM's realized settings: `UserSnapshotType` and the current checkpoint (`Parent`) (1 round trip).
    public func realizedSettings(of vm: VirtualMachine) async throws(HyperVError) -> WSManInstance {
        let query = WQL.select(
            from: Msvm.virtualSystemSettingData,
            where: [("VirtualSystemIdentifier", vm.id), ("VirtualSystemType", Msvm.realizedType)])
        let found: [WSManInstance]
        do { found = try await client.enumerate(EnumerateRequest(wql: query)) } catch {
            throw .wsman(error, doing: "reading the VM's settings", vm: vm.name)
        }
        guard let settings = found.first else {
            throw HyperVError(
                .unexpectedAnswer, "VM \(vm.name) has no realized Msvm_VirtualSystemSettingData on this host",
                vm: vm.name)
        }
        return settings
    }

    /// The VM's realized settings and all its checkpoints in one query: every `Msvm_VirtualSystemSettingData` whose
    /// `VirtualSystemIdentifier` is the VM's GUID is either its realized settings or one of its checkpoints (1 round
    /// trip instead of 2). The current checkpoint comes with it (the realized settings' `Parent`).
    public func settingsAndTree(of vm: VirtualMachine) async throws(HyperVError) -> (WSManInstance, CheckpointTree) {
        let query = WQL.select(from: Msvm.virtualSystemSettingData, where: [("VirtualSystemIdentifier", vm.id)])
        let found: [WSManInstance]
        do { found = try await client.enumerate(EnumerateRequest(wql: query, maxElements: 256)) } catch {
            throw .wsman(error, doing: "reading the VM's settings and checkpoints", vm: vm.name)
        }
        guard let settings = found.first(where: { $0.string("VirtualSystemType") == Msvm.realizedType }) else {
            throw HyperVError(
                .unexpectedAnswer, "VM \(vm.name) has no realized Msvm_VirtualSystemSettingData on this host",
                vm: vm.name)
        }
        let list = found.filter { $0.string("VirtualSystemType") == Msvm.snapshotType }.map(Checkpoint.init)
        let current = try await currentCheckpointID(of: vm, settings: settings, hasCheckpoints: !list.isEmpty)
        return (settings, CheckpointTree(checkpoints: list, currentID: current))
    }

    /// The current checkpoint: the realized settings' `Parent`; when a host leaves that empty although the VM has
    /// checkpoints, `Msvm_MostCurrentSnapshotInBranch` (1 more round trip, only then).
    public func currentCheckpointID(of vm: VirtualMachine, settings: WSManInstance, hasCheckpoints: Bool)
        async throws(HyperVError) -> String?
    {
        if let parent = settings.string("Parent").flatMap(Checkpoint.guid(fromObjectPath:)) { return parent }
        guard hasCheckpoints else { return nil }
        let query = WQL.associators(
            of: Msvm.computerSystem, keys: vm.selectors, associationClass: "Msvm_MostCurrentSnapshotInBranch",
            resultClass: Msvm.virtualSystemSettingData)
        do {
            return try await client.enumerate(EnumerateRequest(wql: query)).first.map { Checkpoint($0).id }
        } catch {
            throw .wsman(error, doing: "finding the current checkpoint", vm: vm.name)
        }
    }

    /// All checkpoints of the VM (1 round trip).
    public func checkpoints(of vm: VirtualMachine) async throws(HyperVError) -> [Checkpoint] {
        let query = WQL.associators(
            of: Msvm.computerSystem, keys: vm.selectors, associationClass: "Msvm_SnapshotOfVirtualSystem",
            resultClass: Msvm.virtualSystemSettingData)
        do {
            return try await client.enumerate(EnumerateRequest(wql: query, maxElements: 256)).map(Checkpoint.init)
        } catch {
            throw .wsman(error, doing: "listing checkpoints", vm: vm.name)
        }
    }

    /// All checkpoints of the VM and the current one, given the VM's realized settings.
    public func checkpointTree(of vm: VirtualMachine, settings: WSManInstance) async throws(HyperVError)
        -> CheckpointTree
    {
        let list = try await checkpoints(of: vm)
        return CheckpointTree(
            checkpoints: list,
            currentID: try await currentCheckpointID(of: vm, settings: settings, hasCheckpoints: !list.isEmpty))
    }

    // MARK: methods

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
            // Refused: the VM may be passing through a transitional state. Wait for it to settle and ask once more.
            let settled = try await waitForStableState(try await refresh(vm), deadline: deadline)
            if settled.enabledState == state { return }
            guard settled.enabledState != vm.enabledState || Self.transitionalStates.contains(vm.enabledState) else {
                throw error
            }
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

    /// `CreateSnapshot`, wait for the job, and return the new checkpoint found through the job's
    /// `Msvm_AffectedJobElement` (never guessed from names or times). `onJob` sees the job id before waiting.
    /// `known`: the VM's checkpoints before — if the host forgets the job before its end is seen, the new checkpoint
    /// is the one not among them.
    public func createCheckpoint(
        of vm: VirtualMachine, deadline: ContinuousClock.Instant, known: Set<String>? = nil,
        onJob: @Sendable (String) throws -> Void = { _ in }
    ) async throws(HyperVError) -> Checkpoint {
        let request = snapshotService(
            "CreateSnapshot", [.reference("AffectedSystem", vm.reference), .scalar("SnapshotType", "2")])
        let output: InvokeOutput
        do { output = try await client.invoke(request) } catch {
            throw .wsman(error, doing: "creating a checkpoint", vm: vm.name)
        }
        if let snapshot = output.output.reference("ResultingSnapshot"), output.returnValue == 0 {
            return try await checkpoint(snapshot, vm: vm)
        }
        guard output.returnValue == ReturnCode.jobStarted, let job = output.job, let jobID = job.selector("InstanceID")
        else {
            let code = output.returnValue ?? -1
            var error = HyperVError(
                .methodFailed,
                "creating a checkpoint of VM \(vm.name) was refused by Hyper-V: CreateSnapshot returned \(ReturnCode.describe(code))\(Self.hint(code))",
                vm: vm.name)
            error.returnCode = code
            throw error
        }
        do { try onJob(jobID) } catch {
            throw HyperVError(
                .unexpectedAnswer, "recording job \(jobID) for VM \(vm.name) failed: \(error)", vm: vm.name)
        }
        do {
            try await waitForJob(job, method: "CreateSnapshot", vm: vm, deadline: deadline)
        } catch  where error.code == .jobVanished {
            guard let known, let created = try await checkpointNotAmong(known, vm: vm) else { throw error }
            return created
        }
        return try await checkpointCreated(byJob: jobID, vm: vm)
    }

    /// The one checkpoint of the VM that is not in `known` (what a create whose job was forgotten made); `nil`
    /// when there is none or several (nothing safe to adopt).
    public func checkpointNotAmong(_ known: Set<String>, vm: VirtualMachine) async throws(HyperVError) -> Checkpoint? {
        let fresh = try await settingsAndTree(of: vm).1.checkpoints.filter { !known.contains($0.id) }
        guard fresh.count == 1 else {
            logger.warning(
                "cannot tell which checkpoint a forgotten CreateSnapshot job made",
                metadata: ["cloudstack.vm": "\(vm.name)", "candidates": "\(fresh.map(\.id))"])
            return nil
        }
        return fresh[0]
    }

    /// Waits for a job started earlier (also after a restart, from the journal).
    @discardableResult
    public func waitForJob(
        _ job: EndpointReference, method: String, vm: VirtualMachine, deadline: ContinuousClock.Instant
    ) async throws(HyperVError) -> WSManInstance {
        try await waitForJob(job, method: method, vm: vm.name, deadline: deadline)
    }

    /// The one place jobs are waited for: polling schedule, progress (logged and forwarded), wait-time report.
    func waitForJob(_ job: EndpointReference, method: String, vm: String, deadline: ContinuousClock.Instant)
        async throws(HyperVError) -> WSManInstance
    {
        var waiter = JobWaiter(client: client)
        waiter.schedule = schedule
        waiter.clock = clock
        let log = logger
        let forward = onProgress
        waiter.onProgress = { progress in
            log.info(
                "hyper-v job progress",
                metadata: [
                    "hyperv.method": "\(progress.method)", "hyperv.job.instance_id": "\(progress.jobID)",
                    "hyperv.job.percent": "\(progress.percent)", "hyperv.job.state": "\(JobState.name(progress.state))",
                    "cloudstack.vm": "\(vm)",
                ])
            forward(progress)
        }
        waiter.onWarning = { warning in
            log.warning("\(warning)", metadata: ["cloudstack.vm": "\(vm)", "hyperv.method": "\(method)"])
        }
        let started = clock.now()
        defer { onJobWaited(method, clock.now() - started) }
        return try await waiter.wait(
            for: job, method: method, vm: vm, timeout: max(deadline - started, .milliseconds(1)))
    }

    /// The checkpoint a completed CreateSnapshot job produced: `ASSOCIATORS OF` the job via
    /// `Msvm_AffectedJobElement` (1 round trip); if the host refuses that query, all `Msvm_AffectedJobElement` rows
    /// are read and the one with this job and ElementEffects 5 (Create) is taken (what real-host clients do).
    public func checkpointCreated(byJob jobID: String, vm: VirtualMachine) async throws(HyperVError) -> Checkpoint {
        let query = WQL.associators(
            of: Msvm.concreteJob, keys: [Selector("InstanceID", jobID)], associationClass: "Msvm_AffectedJobElement",
            resultClass: Msvm.virtualSystemSettingData)
        do {
            let related = try await client.enumerate(EnumerateRequest(wql: query))
            if let snapshot = related.first(where: {
                $0.string("VirtualSystemType") == Msvm.snapshotType || $0.string("InstanceID") != "Microsoft:\(vm.id)"
            }) {
                return Checkpoint(snapshot)
            }
        } catch  where error.code == .fault {
            logger.debug(
                "ASSOCIATORS OF the job refused; reading Msvm_AffectedJobElement", metadata: ["error": "\(error)"])
        } catch {
            throw .wsman(error, doing: "finding the new checkpoint of job \(jobID)", vm: vm.name)
        }
        let rows: [WSManInstance]
        do {
            rows = try await client.enumerate(
                EnumerateRequest(wql: WQL.select(from: "Msvm_AffectedJobElement"), maxElements: 1000))
        } catch {
            throw .wsman(error, doing: "finding the new checkpoint of job \(jobID)", vm: vm.name)
        }
        let row = rows.first {
            $0.reference("AffectingElement")?.selector("InstanceID")?.caseInsensitiveCompare(jobID) == .orderedSame
                && $0.ints("ElementEffects").contains(5)
        }
        if let snapshot = row?.reference("AffectedElement") {
            return try await checkpoint(snapshot, vm: vm)
        }
        // Last resort (a host that keeps no job associations): a completed CreateSnapshot makes the new checkpoint
        // the VM's current one.
        let settings = try await realizedSettings(of: vm)
        guard let current = try await currentCheckpointID(of: vm, settings: settings, hasCheckpoints: true) else {
            throw HyperVError(
                .unexpectedAnswer,
                "CreateSnapshot job \(jobID) on VM \(vm.name) completed but reported no created checkpoint", vm: vm.name
            )
        }
        return try await checkpoint(
            EndpointReference(
                resourceURI: Msvm.uri(Msvm.virtualSystemSettingData),
                selectors: [Selector("InstanceID", "Microsoft:\(current)")]), vm: vm)
    }

    /// A checkpoint by its GUID (1 round trip); a fault when it no longer exists.
    public func checkpoint(id: String, vm: VirtualMachine) async throws(HyperVError) -> Checkpoint {
        try await checkpoint(
            EndpointReference(
                resourceURI: Msvm.uri(Msvm.virtualSystemSettingData),
                selectors: [Selector("InstanceID", "Microsoft:\(id)")]), vm: vm)
    }

    func checkpoint(_ reference: EndpointReference, vm: VirtualMachine) async throws(HyperVError) -> Checkpoint {
        do {
            return Checkpoint(try await client.get(GetRequest(reference)))
        } catch {
            throw .wsman(error, doing: "reading checkpoint \(reference.selector("InstanceID") ?? "?")", vm: vm.name)
        }
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

    /// `EnabledState`s a VM passes through on its way somewhere (Shutting Down, Starting, and the v1-era Starting,
    /// Snapshotting, Saving, Stopping, Pausing, Resuming): real hosts refuse state changes then (32775).
    public static let transitionalStates: Set<Int> = [4, 10, 32770, 32771, 32773, 32774, 32776, 32777]

    /// Waits (bounded by `deadline`) until the VM is in a stable state. Returns the fresh VM.
    public func waitForStableState(_ vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(HyperVError)
        -> VirtualMachine
    {
        var current = vm
        let started = clock.now()
        while Self.transitionalStates.contains(current.enabledState) {
            if clock.now() >= deadline {
                throw HyperVError(
                    .jobTimedOut,
                    "VM \(vm.name) stayed in the transitional state \(current.stateName) (EnabledState \(current.enabledState)); retry when it has settled",
                    vm: vm.name)
            }
            let pause = min(schedule.delay(elapsed: clock.now() - started), max(deadline - clock.now(), .zero))
            do { try await clock.sleep(pause) } catch {
                throw HyperVError(.jobTimedOut, "VM \(vm.name): waiting for a stable state was cancelled", vm: vm.name)
            }
            current = try await refresh(vm)
        }
        return current
    }

    /// Waits until no disk merge runs on the VM (OperationalStatus without 32772). Returns the fresh VM.
    public func waitForMerge(_ vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(HyperVError)
        -> VirtualMachine
    {
        var current = vm
        let started = clock.now()
        while current.isMerging {
            if clock.now() >= deadline {
                throw HyperVError(
                    .mergeInProgress,
                    "VM \(vm.name): a disk merge from an earlier checkpoint deletion is still running; retry when it has finished",
                    vm: vm.name)
            }
            // A merge reports no progress: look again after a fraction of the time waited so far.
            let pause = min(schedule.delay(elapsed: clock.now() - started), max(deadline - clock.now(), .zero))
            do { try await clock.sleep(pause) } catch {
                throw HyperVError(
                    .mergeInProgress, "VM \(vm.name): waiting for the disk merge was cancelled", vm: vm.name)
            }
            current = try await refresh(vm)
        }
        return current
    }
}
