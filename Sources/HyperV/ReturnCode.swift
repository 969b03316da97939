/// Named Hyper-V / CIM method return values (and job `ErrorCode`s, which use the same table).
public enum ReturnCode {
    public static let completed = 0
    public static let jobStarted = 4096
    /// `GetVirtualHardDiskSettingData` / `…State` on a path that does not exist.
    public static let fileNotFound = 32779

    public static func name(_ code: Int) -> String {
        switch code {
        case 0: return "Completed"
        case 1: return "Not Supported"
        case 2: return "Failed"
        case 3: return "Timeout"
        case 4: return "Invalid Parameter"
        case 5: return "Invalid State"
        case 6: return "Invalid Type"
        case 4096: return "Job Started"
        case 4097: return "Invalid State Transition"
        case 4098: return "Use of Timeout Parameter Not Supported"
        case 4099: return "Busy"
        case 32768: return "Failed"
        case 32769: return "Access Denied"
        case 32770: return "Not Supported"
        case 32771: return "Status Unknown"
        case 32772: return "Timeout"
        case 32773: return "Invalid Parameter"
        case 32774: return "System In Use"
        case 32775: return "Invalid State For This Operation"
        case 32776: return "Incorrect Data Type"
        case 32777: return "System Not Available"
        case 32778: return "Out Of Memory"
        case 32779: return "File Not Found"
        default: return "Unknown"
        }
    }

    /// `32775 (Invalid State For This Operation)`.
    public static func describe(_ code: Int) -> String { "\(code) (\(name(code)))" }
}

/// `Msvm_ConcreteJob.JobState`.
public enum JobState {
    public static let running: Set<Int> = [2, 3, 4, 6]
    public static let completed = 7
    /// Seen in practice: "completed with warnings" (os-win treats it as success).
    public static let completedWithWarnings = 32768
    public static let failed: Set<Int> = [8, 9, 10, 11]

    public static func name(_ state: Int) -> String {
        switch state {
        case 2: return "New"
        case 3: return "Starting"
        case 4: return "Running"
        case 5: return "Suspended"
        case 6: return "Shutting Down"
        case 7: return "Completed"
        case 8: return "Terminated"
        case 9: return "Killed"
        case 10: return "Exception"
        case 11: return "Service"
        case 32768: return "Completed with warnings"
        default: return "Unknown"
        }
    }
}
