import Synchronization

/// What the agent already knows about a host's disk files, so a chain walk only asks for what can have changed.
///
/// A differencing file with a child is frozen: Hyper-V never writes to a parent, so its `ParentPath` and size stay
/// as they are until a merge (a checkpoint deletion) rewrites the chain. The active file (the one the VM writes to)
/// keeps its `ParentPath` too, but its size grows. So the cache keeps every file's parent link, and sizes only for
/// frozen files. It forgets a VM's files when the agent deletes one of its checkpoints, when a checkpoint the cache
/// has seen disappears (deleted outside the agent), and never serves a VM whose disks are merging.
public final class DiskChainCache: Sendable {
    public struct Entry: Sendable, Equatable {
        /// `ParentPath` ("" for a base disk).
        public var parent: String
        /// File size, known once the file is frozen.
        public var frozenSize: Int64?
        var vmID: String
    }

    struct State {
        var entries: [String: Entry] = [:]
        var checkpoints: [String: Set<String>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    static func key(_ path: String) -> String { path.lowercased() }

    public func entry(_ path: String) -> Entry? { state.withLock { $0.entries[Self.key(path)] } }

    func remember(_ path: String, vmID: String, parent: String, frozenSize: Int64?) {
        state.withLock {
            let key = Self.key(path)
            var entry = $0.entries[key] ?? Entry(parent: parent, frozenSize: nil, vmID: vmID)
            entry.parent = parent
            entry.vmID = vmID
            if let frozenSize { entry.frozenSize = frozenSize }
            $0.entries[key] = entry
        }
    }

    /// Records the VM's checkpoints as just read; forgets its files when one the cache saw before is gone.
    public func observe(vmID: String, checkpointIDs: Set<String>) {
        state.withLock {
            if let seen = $0.checkpoints[vmID], !seen.isSubset(of: checkpointIDs) {
                $0.entries = $0.entries.filter { $0.value.vmID != vmID }
            }
            $0.checkpoints[vmID] = checkpointIDs
        }
    }

    /// Forgets every file of the VM (its chains are being rewritten by a merge).
    public func invalidate(vmID: String) {
        state.withLock {
            $0.entries = $0.entries.filter { $0.value.vmID != vmID }
            $0.checkpoints[vmID] = nil
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
