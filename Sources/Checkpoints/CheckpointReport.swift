import HyperV

/// What a checkpoint use case did, and the VM as it is afterwards.
public struct CheckpointReport: Sendable, Codable {
    public enum Outcome: Sendable, Codable, Equatable {
        /// A checkpoint was taken with the consistency achieved (which may differ from the one asked for).
        case created(ConsistencyAchieved)
        /// A checkpoint of that name existed already (a re-sent request); nothing was taken.
        case alreadyExisted
        /// The VM was reverted; `running` is its power state now.
        case reverted(running: Bool)
        /// Checkpoints were deleted; `keptChildren` survived a single delete.
        case deleted(count: Int, keptChildren: Int)
        /// Nothing of that name was there (a re-sent delete).
        case alreadyAbsent
    }

    public var outcome: Outcome
    public var vm: VirtualMachine
    /// The checkpoint the operation was about (taken, found, reverted to, deleted).
    public var checkpoint: Checkpoint?
    /// The VM's current checkpoint afterwards (what it runs on); `nil` when it has none.
    public var currentCheckpointID: String?
    /// How many checkpoints with saved memory the VM has afterwards.
    public var memoryCheckpoints: Int
    /// The VM's disks afterwards (with the memory size when the request asked for it).
    public var storage: VMStorage
    /// One sentence for people: what happened, on which VM and checkpoint.
    public var summary: String

    public init(
        outcome: Outcome, vm: VirtualMachine, checkpoint: Checkpoint?, currentCheckpointID: String?,
        memoryCheckpoints: Int,
        storage: VMStorage, summary: String
    ) {
        self.outcome = outcome
        self.vm = vm
        self.checkpoint = checkpoint
        self.currentCheckpointID = currentCheckpointID
        self.memoryCheckpoints = memoryCheckpoints
        self.storage = storage
        self.summary = summary
    }
}

/// The consistency a new checkpoint actually has.
public struct ConsistencyAchieved: Sendable, Codable, Equatable {
    public var kind: ConsistencyRequest
    /// Set when the request could not be met as asked (the guest could not quiesce), with the reason.
    public var fallbackReason: String?
    /// For people: e.g. "application-consistent (production checkpoint)".
    public var description: String
}

/// A VM with its checkpoint tree and (optionally) its disks: what `list` / `tree` / `show` print.
public struct VMCheckpoints: Sendable, Codable {
    public var vm: VirtualMachine
    public var tree: CheckpointTree
    public var storage: VMStorage
    /// Kept by hyperv-agent across a CloudStack stop (its Notes carry the mark).
    public var preserved: Bool = false
}
