import Foundation
import HyperV
import Logging
import WSMan

/// What the three command handlers share: the Hyper-V client, disk reader, journal, per-VM gate and settings.
public struct SnapshotEngine: Sendable {
    public enum QuiesceFallback: String, Sendable {
        case crashConsistent = "crash-consistent"
        case fail
    }

    public var hyperV: HyperVClient
    public var disks: DiskChainReader
    public let journal: OperationJournal
    public let gate: VMOperationGate
    public var quiesceFallback: QuiesceFallback
    /// `hyperv.job_timeout_seconds`; `nil` = the command's `wait`, else 1800.
    public var jobTimeoutSeconds: Int?
    public var logger: Logger

    public init(
        client: WSManClient, stateDirectory: String, quiesceFallback: QuiesceFallback = .crashConsistent,
        jobTimeoutSeconds: Int? = nil, gate: VMOperationGate = VMOperationGate(), logger: Logger = Logger(label: "hyperv-agent")
    ) {
        hyperV = HyperVClient(client: client, logger: logger)
        disks = DiskChainReader(client: client)
        journal = OperationJournal(stateDirectory: stateDirectory)
        self.gate = gate
        self.quiesceFallback = quiesceFallback
        self.jobTimeoutSeconds = jobTimeoutSeconds
        self.logger = logger
    }

    /// The deadline of one command: `hyperv.job_timeout_seconds`, else the command's `wait`, else 30 minutes.
    public func deadline(for command: VMSnapshotCommand) -> ContinuousClock.Instant {
        let seconds = jobTimeoutSeconds ?? (command.wait > 0 ? command.wait : 1800)
        return ContinuousClock.now + .seconds(seconds)
    }

    /// What every command starts from: its deadline, the VM (exactly one by name), any journaled operation of an
    /// earlier process finished, the VM's realized settings and its checkpoint tree (3 round trips + recovery).
    public struct Start: Sendable {
        public var deadline: ContinuousClock.Instant
        public var vm: VirtualMachine
        public var settings: WSManInstance
        public var tree: CheckpointTree

        public var checkpointType: CheckpointType {
            settings.int("UserSnapshotType").flatMap(CheckpointType.init(rawValue:)) ?? .standard
        }
        public var memoryCheckpoints: Int { tree.checkpoints.filter(\.hasMemory).count }
    }

    public func begin(_ command: VMSnapshotCommand) async throws(HyperVError) -> Start {
        let deadline = deadline(for: command)
        let vm = try await hyperV.findVM(named: command.vmName)
        try await recover(vm: vm, deadline: deadline)
        let settings = try await hyperV.realizedSettings(of: vm)
        let tree = try await hyperV.checkpointTree(of: vm, settings: settings)
        return Start(deadline: deadline, vm: vm, settings: settings, tree: tree)
    }

    /// Volumes for the answer, from the VM's disks as they are now.
    func volumes(for command: VMSnapshotCommand, vm: VirtualMachine, checkpointID: String?, memoryCheckpoints: Int) async throws(HyperVError) -> [JSONValue] {
        let wantsMemory = memoryCheckpoints > 0 && command.volumes.contains { $0["volumeType"]?.stringValue == "ROOT" }
        let storage = try await disks.storage(of: vm, includeMemory: wantsMemory)
        let result = VolumeAnswers.build(volumes: command.volumes, storage: storage, checkpointID: checkpointID, memoryCheckpoints: memoryCheckpoints)
        if !result.unmatched.isEmpty {
            logger.warning("volumes without a matching disk on the VM", metadata: ["cloudstack.vm": "\(vm.name)", "volumes": "\(result.unmatched)"])
        }
        return result.volumes
    }

    /// Finishes an operation a previous process left in the journal for this VM: restores the checkpoint type and
    /// gives the checkpoint its interrupted create job made the CloudStack name, so a re-sent create finds it.
    func recover(vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(HyperVError) {
        guard let entry = journal.entry(vmID: vm.id) else { return }
        logger.notice("recovering an interrupted operation", metadata: [
            "cloudstack.vm": "\(vm.name)", "cloudstack.command": "\(entry.command)", "cloudstack.snapshot": "\(entry.snapshotName)",
        ])
        if let jobID = entry.jobID {
            let job = EndpointReference(resourceURI: Msvm.uri(Msvm.concreteJob), selectors: [Selector("InstanceID", jobID)])
            do {
                try await hyperV.waitForJob(job, method: "CreateSnapshot", vm: vm, deadline: deadline)
                let created = try await hyperV.checkpointCreated(byJob: jobID, vm: vm)
                if created.name != entry.snapshotName {
                    try await hyperV.rename(created, to: entry.snapshotName, vm: vm, deadline: deadline)
                }
            } catch where error.code == .jobFailed {
                logger.notice("the interrupted create job had failed; nothing to adopt", metadata: ["cloudstack.vm": "\(vm.name)"])
            } catch where error.code == .wsman && error.underlying?.fault != nil {
                logger.warning("the interrupted create job is no longer known to the host (older than 5 minutes?)", metadata: ["cloudstack.vm": "\(vm.name)", "hyperv.job.instance_id": "\(jobID)"])
            }
        }
        if let original = entry.originalCheckpointType.flatMap(CheckpointType.init(rawValue:)) {
            try await hyperV.setCheckpointType(original, of: vm, deadline: deadline)
        }
        journal.clear(vmID: vm.id)
    }

    /// Recovers every journaled operation (at `serve` startup). Failures are logged; the entry stays for the next try.
    public func recoverAll() async -> Int {
        var recovered = 0
        for entry in journal.all {
            let vm = VirtualMachine(name: entry.vmName, id: entry.vmID, enabledState: 0)
            do {
                try await recover(vm: vm, deadline: ContinuousClock.now + .seconds(300))
                recovered += 1
            } catch {
                logger.error("recovery failed; will retry with the next command for this VM", metadata: ["cloudstack.vm": "\(entry.vmName)", "error": "\(error)"])
            }
        }
        return recovered
    }
}
