/// The parts of CloudStack's `StopCommand` and `StartCommand` that checkpoint preservation needs (DESIGN §10).
public enum LifecycleCommand: Sendable, Equatable {
    /// `StopCommand`: `vmName`, `forceStop`, and `expungeVM` (the VM is being destroyed for good).
    case stop(vmName: String, force: Bool, expunge: Bool)
    /// `StartCommand`: `vm.name` and the ROOT volume's base `.vhdx` (its pool path + volume path).
    case start(vmName: String, rootDiskBase: String?)

    public init?(commandClass: String, json: JSONValue) {
        switch commandClass {
        case CommandClass.stop:
            guard let name = json["vmName"]?.stringValue, !name.isEmpty else { return nil }
            self = .stop(
                vmName: name, force: json["forceStop"]?.boolValue ?? false,
                expunge: json["expungeVM"]?.boolValue ?? false)
        case CommandClass.start:
            guard let vm = json["vm"], let name = vm["name"]?.stringValue, !name.isEmpty else { return nil }
            self = .start(vmName: name, rootDiskBase: Self.rootDiskBase(vm))
        default:
            return nil
        }
    }

    var vmName: String {
        switch self {
        case .stop(let name, _, _), .start(let name, _): name
        }
    }

    /// `<PrimaryDataStoreTO.path>\<VolumeObjectTO.path>[.vhdx]` of the disk whose `type` is ROOT.
    static func rootDiskBase(_ vm: JSONValue) -> String? {
        for disk in vm["disks"]?.arrayValue ?? [] where disk["type"]?.stringValue == "ROOT" {
            guard let volume = disk["data"]?["org.apache.cloudstack.storage.to.VolumeObjectTO"],
                let path = volume["path"]?.stringValue,
                let pool = volume["dataStore"]?["org.apache.cloudstack.storage.to.PrimaryDataStoreTO"]?["path"]?
                    .stringValue
            else { continue }
            let file = path.lowercased().hasSuffix(".vhdx") || path.lowercased().hasSuffix(".vhd") ? path : path + ".vhdx"
            let folder = pool.hasSuffix("\\") ? String(pool.dropLast()) : pool
            return "\(folder)\\\(file)"
        }
        return nil
    }
}
