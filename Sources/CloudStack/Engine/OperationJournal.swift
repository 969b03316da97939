import Foundation

/// Durable record of in-flight VM-snapshot operations, one file per VM under `<state_dir>/journal/`.
///
/// Written (temp file, fsync, rename) before the first non-idempotent Hyper-V call, updated with the job id, and
/// removed when the operation ends. After a crash, the next command for that VM (or `serve` at startup) reads it to
/// restore the VM's checkpoint-type setting and to adopt a checkpoint the interrupted job created, so nothing is
/// created twice.
public final class OperationJournal: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var command: String
        public var vmName: String
        public var vmID: String
        public var snapshotName: String
        /// `UserSnapshotType` to put back, when the operation changed it.
        public var originalCheckpointType: Int?
        /// The CreateSnapshot job, once started.
        public var jobID: String?
        public var startedAt: Double

        public init(command: String, vmName: String, vmID: String, snapshotName: String, originalCheckpointType: Int? = nil, startedAt: Double) {
            self.command = command
            self.vmName = vmName
            self.vmID = vmID
            self.snapshotName = snapshotName
            self.originalCheckpointType = originalCheckpointType
            self.startedAt = startedAt
        }
    }

    public let directory: URL

    public init(stateDirectory: String) {
        directory = URL(fileURLWithPath: stateDirectory).appendingPathComponent("journal")
    }

    func file(for vmID: String) -> URL {
        let safe = vmID.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" ? String($0) : "_" }.joined()
        return directory.appendingPathComponent("\(safe).json")
    }

    public func record(_ entry: Entry) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(entry)
        let target = file(for: entry.vmID)
        let temporary = target.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: temporary.path)
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, target.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
        }
    }

    public func entry(vmID: String) -> Entry? {
        guard let data = FileManager.default.contents(atPath: file(for: vmID).path) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    public func clear(vmID: String) {
        try? FileManager.default.removeItem(at: file(for: vmID))
    }

    public var all: [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).flatMap { try? JSONDecoder().decode(Entry.self, from: $0) }
        }
    }
}
