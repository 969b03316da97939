import Foundation

/// Durable record of in-flight checkpoint operations, one file per VM under `<state_dir>/journal/`.
///
/// Written (temp file, fsync, rename) before the first non-idempotent Hyper-V call and at every step after it,
/// removed when the operation ends. After a crash, the next operation on that VM (or `serve` at startup) reads it
/// to restore the VM's checkpoint-type setting and to finish a checkpoint the interrupted take made (name, memory),
/// so nothing is created twice.
public final class OperationJournal: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        /// The step an interrupted take reached.
        public enum Step: String, Codable, Sendable {
            /// Recorded; nothing changed on the host yet (or the type change may have happened).
            case started
            /// `CreateSnapshot` returned a job (``jobID``).
            case jobStarted
            /// The job finished and the new checkpoint is known (``checkpointID``).
            case created
            /// The checkpoint carries its name; only the memory drop and the type restore may be left.
            case renamed
        }

        /// What was being done (for logs), e.g. `take`.
        public var operation: String
        public var vmName: String
        public var vmID: String
        public var snapshotName: String
        /// `UserSnapshotType` to put back, when the operation changed it.
        public var originalCheckpointType: Int?
        /// The CreateSnapshot job, once started.
        public var jobID: String?
        /// The new checkpoint, once its job finished.
        public var checkpointID: String?
        /// Drop the new checkpoint's saved memory (a crash-consistent take).
        public var dropMemory: Bool
        public var step: Step
        public var startedAt: Double
        /// The VM's checkpoints before the take: if the host forgets the job before its end is seen, the new
        /// checkpoint is the one not in this list.
        public var knownCheckpointIDs: [String]?

        enum CodingKeys: String, CodingKey {
            case operation = "command"
            case vmName, vmID, snapshotName, originalCheckpointType, jobID, checkpointID, dropMemory, step,
                startedAt, knownCheckpointIDs
        }

        public init(
            operation: String, vmName: String, vmID: String, snapshotName: String, originalCheckpointType: Int? = nil,
            dropMemory: Bool = false, startedAt: Double
        ) {
            self.operation = operation
            self.vmName = vmName
            self.vmID = vmID
            self.snapshotName = snapshotName
            self.originalCheckpointType = originalCheckpointType
            self.dropMemory = dropMemory
            self.step = .started
            self.startedAt = startedAt
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            operation = try container.decode(String.self, forKey: .operation)
            vmName = try container.decode(String.self, forKey: .vmName)
            vmID = try container.decode(String.self, forKey: .vmID)
            snapshotName = try container.decode(String.self, forKey: .snapshotName)
            originalCheckpointType = try container.decodeIfPresent(Int.self, forKey: .originalCheckpointType)
            jobID = try container.decodeIfPresent(String.self, forKey: .jobID)
            checkpointID = try container.decodeIfPresent(String.self, forKey: .checkpointID)
            dropMemory = try container.decodeIfPresent(Bool.self, forKey: .dropMemory) ?? false
            // Entries of earlier versions carry no step: a job id means the job was started.
            step = try container.decodeIfPresent(Step.self, forKey: .step) ?? (jobID == nil ? .started : .jobStarted)
            startedAt = try container.decode(Double.self, forKey: .startedAt)
            knownCheckpointIDs = try container.decodeIfPresent([String].self, forKey: .knownCheckpointIDs)
        }
    }

    public let directory: URL

    public init(stateDirectory: String) {
        directory = URL(fileURLWithPath: stateDirectory).appendingPathComponent("journal")
    }

    func file(for vmID: String) -> URL {
        let safe = vmID.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" ? String($0) : "_" }
            .joined()
        return directory.appendingPathComponent("\(safe).json")
    }

    public func record(_ entry: Entry) throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(entry)
        let target = file(for: entry.vmID)
        let temporary = target.appendingPathExtension("tmp")
        guard
            FileManager.default.createFile(
                atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]),
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
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).flatMap {
                try? JSONDecoder().decode(Entry.self, from: $0)
            }
        }
    }
}
