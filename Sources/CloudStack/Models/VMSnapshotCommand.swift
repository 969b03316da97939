import Checkpoints
import Logging

/// A `VMSnapshotBaseCommand` (Create / RevertTo / Delete) as sent by GSON: typed accessors over the raw object,
/// which is kept whole so every volume and the target echo with all their fields.
public struct VMSnapshotCommand: AgentCommand {
    public let raw: JSONValue
    public let vmName: String
    public let snapshotName: String
    public let type: SnapshotType
    public let quiesce: Bool
    public let target: JSONValue
    /// `volumeTOs`, each kept whole (dataStore wrapper, unknown fields and all).
    public let volumes: [JSONValue]
    /// Seconds; 0 means the management server's default.
    public let wait: Int

    public typealias DecodingError = CommandDecodingError

    public init(_ raw: JSONValue) throws(CommandDecodingError) {
        guard raw.isObject else { throw DecodingError(description: "the command body is not a JSON object") }
        self.raw = raw
        guard let vmName = raw["vmName"]?.stringValue, !vmName.isEmpty else {
            throw DecodingError(description: "vmName is missing or not a string")
        }
        guard let target = raw["target"], target.isObject else {
            throw DecodingError(description: "target (VMSnapshotTO) is missing or not an object")
        }
        guard let name = target["snapshotName"]?.stringValue, !name.isEmpty else {
            throw DecodingError(description: "target.snapshotName is missing or not a string")
        }
        guard name.count <= 100 else {
            throw DecodingError(
                description: "target.snapshotName is longer than Hyper-V's 100-character checkpoint name limit")
        }
        let typeName = target["type"]?.stringValue ?? SnapshotType.disk.rawValue
        guard let type = SnapshotType(rawValue: typeName) else {
            throw DecodingError(description: "target.type must be Disk or DiskAndMemory, got \(typeName)")
        }
        switch raw["volumeTOs"] {
        case nil, .null?: volumes = []
        case .array(let items)?:
            guard items.allSatisfy(\.isObject) else {
                throw DecodingError(description: "volumeTOs must be a list of objects")
            }
            volumes = items
        default: throw DecodingError(description: "volumeTOs must be a list")
        }
        if let wait = raw["wait"], wait != .null, wait.int64Value == nil {
            throw DecodingError(description: "wait must be a number")
        }
        self.vmName = vmName
        self.snapshotName = name
        self.type = type
        self.quiesce = target["quiescevm"]?.boolValue ?? true
        self.target = target
        self.wait = Int(clamping: raw["wait"]?.int64Value ?? 0)
    }
}

extension VMSnapshotCommand {
    public var logMetadata: Logger.Metadata {
        ["cloudstack.vm": "\(vmName)", "cloudstack.snapshot": "\(snapshotName)"]
    }

    /// The command's `wait` as the operation's timeout (`nil`: the management server's default).
    public var timeout: Duration? { wait > 0 ? .seconds(wait) : nil }

    /// The disks the answer needs: memory sizes only matter for a ROOT volume.
    public var diskDetail: DiskDetail {
        volumes.contains { $0["volumeType"]?.stringValue == "ROOT" } ? .disksAndMemory : .disks
    }
}
