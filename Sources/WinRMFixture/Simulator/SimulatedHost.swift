import Foundation

/// The state of a simulated Hyper-V host. Codable, so a test or an operator can preload it (`--state FILE`) and
/// inspect it (`GET /fixture/state`) without going through WS-Man.
public struct SimulatedHost: Codable, Sendable, Equatable {
    public var hostName: String = "HV-FIXTURE"
    public var vms: [VM] = []
    public var checkpoints: [Checkpoint] = []
    public var files: [DiskFile] = []
    /// VMs being imported (`Msvm_PlannedComputerSystem`), until realized or destroyed.
    public var planned: [PlannedSystem]?

    public init() {}

    /// A virtual machine (`Msvm_ComputerSystem` + its realized `Msvm_VirtualSystemSettingData`).
    public struct VM: Codable, Sendable, Equatable {
        public var name: String
        /// Upper-case GUID (`Msvm_ComputerSystem.Name`).
        public var id: String
        /// `EnabledState`: 2 running, 3 off, 6 saved, 9 paused.
        public var state: Int
        /// `UserSnapshotType`: 2 disabled, 3 production (fallback to standard), 4 production only, 5 standard.
        public var userSnapshotType: Int = 5
        /// Whether the guest's integration services can quiesce (production checkpoints).
        public var guestCanQuiesce: Bool = true
        public var memoryMB: Int = 2048
        public var disks: [Disk]
        /// GUID of the checkpoint the VM runs on (`Msvm_MostCurrentSnapshotInBranch`), if any.
        public var currentCheckpointID: String?
        /// Seconds since 1970 until which a background disk merge runs (OperationalStatus 32772).
        public var mergingUntil: Double?
        /// A transitional `state` (4 shutting down, 10 starting, 32773 saving, 32776 pausing …) lasts until this
        /// time, then becomes ``settlesTo``.
        public var settlesAt: Double?
        public var settlesTo: Int?
        /// `Msvm_VirtualSystemSettingData.Notes`.
        public var notes: String?
        /// How the guest answers `Msvm_ShutdownComponent.InitiateShutdown`: nil / "accepts" (shuts down within the
        /// job delay), "ignores" (accepted, never shuts down: a hung guest), "unavailable" (no shutdown
        /// integration service: no component instance).
        public var guestShutdown: String?

        public init(name: String, id: String, state: Int, disks: [Disk]) {
            self.name = name
            self.id = id
            self.state = state
            self.disks = disks
        }
    }

    /// A virtual hard disk slot of a VM and the file the VM writes to now.
    public struct Disk: Codable, Sendable, Equatable {
        /// Stable id of the drive (`…\<slot>\D` style in RASD instance ids).
        public var slot: Int
        public var activePath: String

        public init(slot: Int, activePath: String) {
            self.slot = slot
            self.activePath = activePath
        }
    }

    /// A checkpoint (`Msvm_VirtualSystemSettingData`, `Microsoft:Hyper-V:Snapshot:Realized`).
    public struct Checkpoint: Codable, Sendable, Equatable {
        public var id: String
        public var vmID: String
        public var name: String
        public var parentID: String?
        /// Seconds since 1970.
        public var createdAt: Double
        /// Saved memory and device state (`IsSaved`; a standard checkpoint of a running VM).
        public var hasMemory: Bool
        /// Per VM disk slot (same order as the VM's disks), the file this checkpoint points at.
        public var diskPaths: [String]
        public var userSnapshotType: Int
    }

    /// A `.vhdx` / `.avhdx` file and its parent (differencing chain).
    public struct DiskFile: Codable, Sendable, Equatable {
        public var path: String
        public var parentPath: String?
        /// Bytes on disk (`Msvm_VirtualHardDiskState.FileSize`).
        public var fileSize: Int64
        /// Virtual size (`MaxInternalSize`).
        public var maxInternalSize: Int64

        public init(path: String, parentPath: String?, fileSize: Int64, maxInternalSize: Int64) {
            self.path = path
            self.parentPath = parentPath
            self.fileSize = fileSize
            self.maxInternalSize = maxInternalSize
        }
    }

    // MARK: lookups

    public func vm(id: String) -> VM? { vms.first { $0.id.caseInsensitiveCompare(id) == .orderedSame } }
    func vmIndex(id: String) -> Int? { vms.firstIndex { $0.id.caseInsensitiveCompare(id) == .orderedSame } }
    public func checkpoint(id: String) -> Checkpoint? {
        checkpoints.first { $0.id.caseInsensitiveCompare(id) == .orderedSame }
    }
    func checkpointIndex(id: String) -> Int? {
        checkpoints.firstIndex { $0.id.caseInsensitiveCompare(id) == .orderedSame }
    }
    public func file(path: String) -> DiskFile? { files.first { $0.path.caseInsensitiveCompare(path) == .orderedSame } }
    func fileIndex(path: String) -> Int? { files.firstIndex { $0.path.caseInsensitiveCompare(path) == .orderedSame } }
    public func checkpoints(ofVM id: String) -> [Checkpoint] {
        checkpoints.filter { $0.vmID.caseInsensitiveCompare(id) == .orderedSame }
    }

    /// File names from `path` down to the base disk.
    public func chain(from path: String) -> [String] {
        var result: [String] = []
        var current: String? = path
        while let next = current, result.count < 1000 {
            result.append(next)
            current = file(path: next)?.parentPath
        }
        return result
    }
}

/// New upper-case GUIDs.
public enum GUID {
    public static func make() -> String { UUID().uuidString.uppercased() }
}
