/// Fully qualified Java class names on the wire (CloudStack's `CloudStackTypes` constants).
public enum CommandClass {
    public static let createVMSnapshot = "com.cloud.agent.api.CreateVMSnapshotCommand"
    public static let revertToVMSnapshot = "com.cloud.agent.api.RevertToVMSnapshotCommand"
    public static let deleteVMSnapshot = "com.cloud.agent.api.DeleteVMSnapshotCommand"
    public static let stop = "com.cloud.agent.api.StopCommand"
    public static let start = "com.cloud.agent.api.StartCommand"
}

public enum AnswerClass {
    public static let createVMSnapshot = "com.cloud.agent.api.CreateVMSnapshotAnswer"
    public static let revertToVMSnapshot = "com.cloud.agent.api.RevertToVMSnapshotAnswer"
    public static let deleteVMSnapshot = "com.cloud.agent.api.DeleteVMSnapshotAnswer"
    public static let stop = "com.cloud.agent.api.StopAnswer"
    public static let start = "com.cloud.agent.api.StartAnswer"
}

/// `VirtualMachine.PowerState` names.
public enum PowerState: String, Sendable {
    case powerOn = "PowerOn"
    case powerOff = "PowerOff"
    case powerUnknown = "PowerUnknown"
    case powerReportMissing = "PowerReportMissing"
}

/// `VMSnapshot.Type` names.
public enum SnapshotType: String, Sendable {
    case disk = "Disk"
    case diskAndMemory = "DiskAndMemory"
}
