import Foundation
import HyperV
import Logging
import WSMan

/// The checkpoint use cases every front door shares (the CloudStack channel, `exec`, `checkpoints …`, the extension
/// entry point): take, revert, delete, inspect, recover interrupted work.
///
/// It owns the journal and the per-VM exclusion (across processes on one state directory) and knows nothing of
/// CloudStack: front doors turn their requests into ``TakeRequest`` / ``RevertRequest`` / ``DeleteRequest`` and
/// map the ``CheckpointReport`` (or ``CheckpointError``) onto their own answers.
public struct CheckpointService: Sendable {
    public struct Settings: Sendable {
        /// `agent.state_dir`: the journal and the lock files live here.
        public var stateDirectory: String
        /// `hyperv.quiesce_fallback`.
        public var quiesceFallback: QuiesceFallback
        /// `hyperv.job_timeout_seconds`: overrides every request's own timeout when set.
        public var jobTimeout: Duration?
        /// The timeout when neither the configuration nor the request sets one.
        public var defaultTimeout: Duration = .seconds(1800)
        /// Hyper-V's limit of checkpoints per VM.
        public var maxCheckpoints = 50

        public init(
            stateDirectory: String, quiesceFallback: QuiesceFallback = .crashConsistent, jobTimeout: Duration? = nil
        ) {
            self.stateDirectory = stateDirectory
            self.quiesceFallback = quiesceFallback
            self.jobTimeout = jobTimeout
        }
    }

    public var hyperV: HyperVClient
    public var disks: DiskChainReader
    public let journal: OperationJournal
    public let exclusion: VMExclusion
    public var settings: Settings
    public var logger: Logger

    public init(
        client: WSManClient, settings: Settings, clock: HostClock = .live, exclusion: VMExclusion? = nil,
        logger: Logger = Logger(label: "hyperv-agent")
    ) {
        hyperV = HyperVClient(client: client, logger: logger)
        hyperV.clock = clock
        disks = DiskChainReader(client: client)
        journal = OperationJournal(stateDirectory: settings.stateDirectory)
        self.exclusion =
            exclusion
            ?? VMExclusion(lockDirectory: (settings.stateDirectory as NSString).appendingPathComponent("locks"))
        self.settings = settings
        self.logger = logger
    }

    public var clock: HostClock { hyperV.clock }

    /// The deadline of one operation: `hyperv.job_timeout_seconds`, else the request's timeout, else 30 minutes.
    func deadline(_ timeout: Duration?) -> ContinuousClock.Instant {
        clock.now() + (settings.jobTimeout ?? timeout ?? settings.defaultTimeout)
    }

    /// Runs `body` holding the VM (see ``VMExclusion``); the identical operation running already is joined. Another
    /// operation on the VM refuses this one, or — `waitingForCurrent` (CloudStack's stop and start) — is waited for.
    func exclusive<Value: Sendable>(
        _ vmName: String, _ operation: String, waitingForCurrent: Bool = false,
        _ body: @escaping @Sendable () async throws(CheckpointError) -> Value
    ) async throws(CheckpointError) -> Value {
        let run: @Sendable () async -> Result<Value, CheckpointError> = {
            do throws(CheckpointError) { return .success(try await body()) } catch { return .failure(error) }
        }
        let result =
            waitingForCurrent
            ? try await exclusion.runAfterCurrent(vm: vmName, operation: operation, run)
            : try await exclusion.run(vm: vmName, operation: operation, run)
        return try result.get()
    }

    /// What every operation starts from: the VM (exactly one by name), any journaled operation of an earlier
    /// process finished, the VM's realized settings and its checkpoint tree (2 round trips + recovery).
    struct Start: Sendable {
        var vm: VirtualMachine
        var settings: WSManInstance
        var tree: CheckpointTree

        var checkpointType: CheckpointType {
            settings.int("UserSnapshotType").flatMap(CheckpointType.init(rawValue:)) ?? .standard
        }
        var memoryCheckpoints: Int { tree.checkpoints.filter(\.hasMemory).count }
    }

    func begin(_ vmName: String, deadline: ContinuousClock.Instant) async throws(CheckpointError) -> Start {
        let vm = try await hostSteps { () async throws(HyperVError) in try await hyperV.findVM(named: vmName) }
        try await recover(vm: vm, deadline: deadline)
        return try await hostSteps { () async throws(HyperVError) in
            let (settings, tree) = try await hyperV.settingsAndTree(of: vm)
            disks.cache.observe(vmID: vm.id, checkpointIDs: Set(tree.checkpoints.map(\.id)))
            return Start(vm: vm, settings: settings, tree: tree)
        }
    }

    /// The checkpoint named `name`, if exactly one; several with that name is an error.
    func unique(_ name: String, in tree: CheckpointTree, vm: VirtualMachine) throws(CheckpointError) -> Checkpoint? {
        let matches = tree.named(name)
        guard matches.count <= 1 else {
            throw CheckpointError(
                .checkpointAmbiguous,
                "VM \(vm.name) has \(matches.count) checkpoints named \(name) (\(matches.map(\.id).joined(separator: ", "))); delete or rename the duplicates in Hyper-V",
                vm: vm.name, checkpoint: name)
        }
        return matches.first
    }

    /// The VM's disks as a report carries them.
    func storage(_ detail: DiskDetail, of vm: VirtualMachine, memoryCheckpoints: Int) async throws(CheckpointError)
        -> VMStorage
    {
        do {
            switch detail {
            case .disks: return try await disks.storage(of: vm, includeMemory: false)
            case .disksAndMemory: return try await disks.storage(of: vm, includeMemory: memoryCheckpoints > 0)
            }
        } catch {
            throw CheckpointError(error)
        }
    }

    /// ``storage(_:of:memoryCheckpoints:)`` as a value, for reading disks concurrently with other steps.
    func storageResult(_ detail: DiskDetail, of vm: VirtualMachine, memoryCheckpoints: Int) async
        -> Result<VMStorage, CheckpointError>
    {
        do { return .success(try await storage(detail, of: vm, memoryCheckpoints: memoryCheckpoints)) } catch {
            return .failure(error)
        }
    }

    /// Runs Hyper-V steps, classifying their failures.
    func hostSteps<T>(checkpoint: String? = nil, _ body: () async throws(HyperVError) -> T)
        async throws(CheckpointError) -> T
    {
        do { return try await body() } catch { throw CheckpointError(error, checkpoint: checkpoint) }
    }
}
