import WSMan

/// WMI class names and resource URIs of `root/virtualization/v2` used by the agent.
public enum Msvm {
    public static let computerSystem = "Msvm_ComputerSystem"
    public static let virtualSystemSettingData = "Msvm_VirtualSystemSettingData"
    public static let storageAllocationSettingData = "Msvm_StorageAllocationSettingData"
    public static let memorySettingData = "Msvm_MemorySettingData"
    public static let concreteJob = "Msvm_ConcreteJob"
    public static let snapshotService = "Msvm_VirtualSystemSnapshotService"
    public static let managementService = "Msvm_VirtualSystemManagementService"
    public static let imageManagementService = "Msvm_ImageManagementService"

    public static let realizedType = "Microsoft:Hyper-V:System:Realized"
    public static let snapshotType = "Microsoft:Hyper-V:Snapshot:Realized"
    public static let vmDescription = "Microsoft Virtual Machine"
    public static let hostDescription = "Microsoft Hosting Computer System"

    public static func uri(_ className: String) -> String { ResourceURI.v2(className) }

    /// Selectors addressing a singleton service (real hosts require `CreationClassName`).
    public static func serviceSelectors(_ className: String) -> [Selector] {
        [Selector("CreationClassName", className)]
    }
}

/// `UserSnapshotType` of a VM's realized settings.
public enum CheckpointType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case disabled = 2
    case production = 3
    case productionOnly = 4
    case standard = 5

    public var description: String {
        switch self {
        case .disabled: return "Disabled"
        case .production: return "Production"
        case .productionOnly: return "ProductionOnly"
        case .standard: return "Standard"
        }
    }
}
