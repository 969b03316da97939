import Foundation
import Logging
import WSMan

/// Taking a checkpoint and following jobs: which checkpoint a CreateSnapshot made, waiting for any job.
extension HyperVClient {
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
}
