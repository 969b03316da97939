import Checkpoints
import HyperV
import Logging

/// Fills each volume of a command from the VM's disks after the operation (the answer semantics in README.md): `path` = the file the VM
/// now writes to (unchanged when it did not change), `size` = bytes of the differencing chain (plus saved memory for
/// ROOT), `chainInfo` = `{"checkpointId","activeDisk","diskChain"}`. Every other field is echoed as received.
public enum VolumeAnswers {
    public struct Result: Sendable {
        public var volumes: [JSONValue]
        /// Volumes that matched no disk of the VM (echoed unchanged, size 0).
        public var unmatched: [String]
    }

    /// The base disk name a volume refers to: its path's file stem without a Hyper-V `_<GUID>` suffix
    /// (`19ae…` , `19ae….vhdx`, `19ae…_6F2C….avhdx` all give `19ae…`).
    public static func baseStem(of path: String) -> String {
        var stem = VirtualDisk.fileName(path)
        if let dot = stem.lastIndex(of: "."), [".vhdx", ".vhd", ".avhdx", ".avhd"].contains(stem[dot...].lowercased()) {
            stem = String(stem[..<dot])
        }
        if let underscore = stem.lastIndex(of: "_") {
            let suffix = stem[stem.index(after: underscore)...]
            if suffix.count == 36, suffix.filter({ $0 == "-" }).count == 4 { stem = String(stem[..<underscore]) }
        }
        return stem.lowercased()
    }

    static func stem(_ fileName: String) -> String {
        guard let dot = fileName.lastIndex(of: ".") else { return fileName.lowercased() }
        return String(fileName[..<dot]).lowercased()
    }

    public static func build(
        volumes: [JSONValue], storage: VMStorage, checkpointID: String?, memoryCheckpoints: Int
    ) -> Result {
        var unmatched: [String] = []
        let updated = volumes.map { volume -> JSONValue in
            let path = volume["path"]?.stringValue ?? ""
            let uuid = volume["uuid"]?.stringValue ?? ""
            let disk =
                storage.disks.first { baseStem(of: $0.baseFileName) == baseStem(of: path) }
                ?? storage.disks.first { !uuid.isEmpty && baseStem(of: $0.baseFileName) == uuid.lowercased() }
            guard let disk else {
                unmatched.append(path.isEmpty ? uuid : path)
                return volume.setting("size", .number("0"))
            }
            var size = disk.differencingBytes
            if volume["volumeType"]?.stringValue == "ROOT" {
                size += Int64(memoryCheckpoints) * Int64(storage.memoryMB) << 20
            }
            let active = disk.activeFileName
            let unchanged =
                VirtualDisk.fileName(path).lowercased() == active.lowercased()
                || (!path.contains(".") && stem(active) == path.lowercased())
            let chainInfo: JSONValue = .object([
                ("checkpointId", checkpointID.map(JSONValue.string) ?? .null),
                ("activeDisk", .string(active)),
                ("diskChain", .array(disk.chainFileNames.map(JSONValue.string))),
            ])
            return
                volume
                .setting("path", .string(unchanged ? path : active))
                .setting("size", .int(size))
                .setting("chainInfo", .string(JSONWriter.string(chainInfo)))
        }
        return Result(volumes: updated, unmatched: unmatched)
    }
}

extension VMSnapshotCommand {
    /// The command's volumes filled from the report's disks; volumes matching no disk are logged and echoed.
    func volumes(after report: CheckpointReport, logger: Logger) -> [JSONValue] {
        let result = VolumeAnswers.build(
            volumes: volumes, storage: report.storage, checkpointID: report.currentCheckpointID,
            memoryCheckpoints: report.memoryCheckpoints)
        if !result.unmatched.isEmpty {
            logger.warning(
                "volumes without a matching disk on the VM",
                metadata: ["cloudstack.vm": "\(report.vm.name)", "volumes": "\(result.unmatched)"])
        }
        return result.volumes
    }
}
