import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the agent did to a VM at a CloudStack stop, one JSON file per VM under `<agent.state_dir>/preserved/`:
/// written before the first step that changes anything, updated after each, removed when the VM is restored,
/// imported elsewhere or expunged. An export that failed is retried from here (also after a restart).
public struct PreservationStore: Sendable {
    public struct Record: Codable, Sendable, Equatable {
        public var vmName: String
        public var vmID: String
        /// Notes before the stop (restored at start).
        public var originalNotes: String
        /// Where the configuration is (to be) exported: `<folder>\<vmName>\Virtual Machines\<GUID>.vmcx`.
        public var exportDirectory: String
        public var exported: Bool
        public var lastError: String?
        public var stoppedAt: Date

        public init(
            vmName: String, vmID: String, originalNotes: String, exportDirectory: String, exported: Bool,
            lastError: String?, stoppedAt: Date
        ) {
            self.vmName = vmName
            self.vmID = vmID
            self.originalNotes = originalNotes
            self.exportDirectory = exportDirectory
            self.exported = exported
            self.lastError = lastError
            self.stoppedAt = stoppedAt
        }

        public var definitionFile: String { "\(exportDirectory)\\\(vmName)\\Virtual Machines\\\(vmID).vmcx" }
        public var snapshotFolder: String { "\(exportDirectory)\\\(vmName)\\Snapshots" }
    }

    let directory: URL

    public init(stateDirectory: String) {
        directory = URL(fileURLWithPath: stateDirectory).appendingPathComponent("preserved")
    }

    func file(_ vmName: String) -> URL {
        let safe = vmName.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
        return directory.appendingPathComponent(String(safe) + ".json")
    }

    public func save(_ record: Record) throws {
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let temporary = file(record.vmName).appendingPathExtension("tmp")
        try encoder.encode(record).write(to: temporary)
        guard rename(temporary.path, file(record.vmName).path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file(record.vmName).path])
        }
    }

    public func record(_ vmName: String) -> Record? {
        guard let data = try? Data(contentsOf: file(vmName)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(Record.self, from: data)
    }

    public func remove(_ vmName: String) { try? FileManager.default.removeItem(at: file(vmName)) }

    /// Every record (pending exports first).
    public func all() -> [Record] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name in
            record(String(name.dropLast(5)))
        }.sorted { !$0.exported && $1.exported }
    }
}
