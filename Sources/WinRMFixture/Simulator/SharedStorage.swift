import Synchronization

/// Primary storage as several simulated hosts see it (a CSV or an SMB share): exported VM configurations live here,
/// so a host can import what another exported. Folders can be made unreachable (storage down mid-export).
public final class SharedStorage: Sendable {
    /// A configuration-only export (`ExportSystemDefinition`, all checkpoints, no storage copy): the VM, its
    /// checkpoint tree and the records of the disk files it references (the files themselves stay where they are).
    public struct Export: Codable, Sendable, Equatable {
        /// `<folder>\Virtual Machines\<GUID>.vmcx`.
        public var definitionFile: String
        /// `<folder>\Snapshots`.
        public var snapshotFolder: String
        public var vm: SimulatedHost.VM
        public var checkpoints: [SimulatedHost.Checkpoint]
        public var files: [SimulatedHost.DiskFile]
        public var exportedBy: String
        public var exportedAt: Double
        /// The host that registered this export in place (its runtime state file `<GUID>.vmrs` then lies beside
        /// the `.vmcx`).
        public var registeredBy: String?

        /// `<folder>\Virtual Machines\<GUID>.vmrs` once registered in place.
        public var runtimeFile: String? {
            registeredBy == nil ? nil : String(definitionFile.dropLast(".vmcx".count)) + ".vmrs"
        }
    }

    private struct State {
        var exports: [Export] = []
        var unreachable: [String] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Every export (for `GET /fixture/state` and tests).
    public var exports: [Export] { state.withLock { $0.exports } }

    /// Makes every path under `prefix` unreachable (`true`) or reachable again.
    public func setUnreachable(_ prefix: String, _ unreachable: Bool = true) {
        state.withLock { state in
            state.unreachable.removeAll { $0.caseInsensitiveCompare(prefix) == .orderedSame }
            if unreachable { state.unreachable.append(prefix) }
        }
    }

    public func isReachable(_ path: String) -> Bool {
        state.withLock { state in
            !state.unreachable.contains { path.lowercased().hasPrefix($0.lowercased()) }
        }
    }

    /// Writes an export, replacing one of the same definition file.
    func store(_ export: Export) {
        state.withLock { state in
            state.exports.removeAll {
                $0.definitionFile.caseInsensitiveCompare(export.definitionFile) == .orderedSame
            }
            state.exports.append(export)
        }
    }

    func markRegistered(definitionFile: String, by host: String) {
        state.withLock { state in
            guard let index = state.exports.firstIndex(where: {
                $0.definitionFile.caseInsensitiveCompare(definitionFile) == .orderedSame
            }) else { return }
            state.exports[index].registeredBy = host
        }
    }

    func export(definitionFile: String) -> Export? {
        state.withLock { state in
            state.exports.first { $0.definitionFile.caseInsensitiveCompare(definitionFile) == .orderedSame }
        }
    }

    /// Deletes the exports under `folder` (an operator's, or the agent's, cleanup); returns how many.
    @discardableResult
    public func removeExports(under folder: String) -> Int {
        state.withLock { state in
            let before = state.exports.count
            state.exports.removeAll { $0.definitionFile.lowercased().hasPrefix(folder.lowercased()) }
            return before - state.exports.count
        }
    }
}
