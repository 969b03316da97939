/// What a new checkpoint must capture.
public enum ConsistencyRequest: String, Sendable, Codable, CaseIterable {
    /// Disks quiesced by the guest (VSS / fsfreeze): a production checkpoint. The VM must run; a stopped VM's disks
    /// are consistent by nature.
    case applicationConsistent = "application-consistent"
    /// Disks only, as if the power had been cut: a standard checkpoint whose saved memory is dropped.
    case crashConsistent = "crash-consistent"
    /// Disks and memory: a standard checkpoint of a running VM, resumed where it was on revert.
    case withMemory = "with-memory"
}

/// What to do when the guest cannot be quiesced for an application-consistent checkpoint
/// (`hyperv.quiesce_fallback`).
public enum QuiesceFallback: String, Sendable, Codable {
    /// Take a crash-consistent checkpoint instead and say so.
    case crashConsistent = "crash-consistent"
    /// Take nothing and fail.
    case fail
}

/// The VM's power state after a revert.
public enum PowerAfterRevert: String, Sendable, Codable {
    /// Start the VM (it resumes the checkpoint's saved memory, or boots when there is none).
    case running
    /// Leave the VM off.
    case off
    /// Running when the checkpoint holds saved memory, off otherwise.
    case asCheckpoint = "as-checkpoint"
}

/// Which checkpoints a delete removes.
public enum DeleteScope: String, Sendable, Codable {
    /// The named checkpoint; its children survive and its disks merge.
    case one
    /// The named checkpoint and every checkpoint below it.
    case subtree
    /// Every checkpoint of the VM (the name is not used).
    case all
}

/// How much of the VM's disks a report carries.
public enum DiskDetail: Sendable, Codable {
    /// Disk chains and sizes.
    case disks
    /// Disk chains, sizes and the memory size (only read when the VM has checkpoints with saved memory).
    case disksAndMemory
}
