/// Take a checkpoint named `checkpointName` of VM `vmName`.
public struct TakeRequest: Sendable {
    public var vmName: String
    public var checkpointName: String
    public var consistency: ConsistencyRequest
    /// How long the whole operation may take; `nil` = `hyperv.job_timeout_seconds`, else 30 minutes.
    public var timeout: Duration?
    public var disks: DiskDetail

    public init(
        vmName: String, checkpointName: String, consistency: ConsistencyRequest, timeout: Duration? = nil,
        disks: DiskDetail = .disks
    ) {
        self.vmName = vmName
        self.checkpointName = checkpointName
        self.consistency = consistency
        self.timeout = timeout
        self.disks = disks
    }
}

/// Revert VM `vmName` to its checkpoint `checkpointName`.
public struct RevertRequest: Sendable {
    public var vmName: String
    public var checkpointName: String
    public var power: PowerAfterRevert
    public var timeout: Duration?
    public var disks: DiskDetail

    public init(
        vmName: String, checkpointName: String, power: PowerAfterRevert, timeout: Duration? = nil,
        disks: DiskDetail = .disks
    ) {
        self.vmName = vmName
        self.checkpointName = checkpointName
        self.power = power
        self.timeout = timeout
        self.disks = disks
    }
}

/// Delete VM `vmName`'s checkpoint `checkpointName` (or its subtree, or all its checkpoints).
public struct DeleteRequest: Sendable {
    public var vmName: String
    public var checkpointName: String
    public var scope: DeleteScope
    public var timeout: Duration?
    public var disks: DiskDetail

    public init(
        vmName: String, checkpointName: String, scope: DeleteScope = .one, timeout: Duration? = nil,
        disks: DiskDetail = .disks
    ) {
        self.vmName = vmName
        self.checkpointName = checkpointName
        self.scope = scope
        self.timeout = timeout
        self.disks = disks
    }
}
