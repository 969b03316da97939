import Checkpoints
import CloudStack

/// `createsnapshot`: `snapshot_name` (required), `snapshot_memory` (default false: disks only), `quiesce` (default
/// true: application-consistent where the guest can quiesce, with `hyperv.quiesce_fallback` otherwise). A snapshot
/// of that name existing already is success (a re-run after a `WAIT` ran out adopts the interrupted one).
struct CreateSnapshotAction: ExtensionActionHandler {
    func run(_ payload: ExtensionPayload, context: ExtensionContext) async throws(ExtensionError) -> ExtensionOutput {
        let (vm, name) = try payload.snapshotTarget(for: .createSnapshot)
        let memory = try payload.flag("snapshot_memory", default: false)
        let quiesce = try payload.flag("quiesce", default: true)
        let consistency: ConsistencyRequest =
            memory ? .withMemory : quiesce ? .applicationConsistent : .crashConsistent
        let report = try await checkpoints { () async throws(CheckpointError) in
            try await context.service.take(
                TakeRequest(vmName: vm, checkpointName: name, consistency: consistency, timeout: context.timeout))
        }
        var extra: [(String, JSONValue)] = []
        if case .created(let achieved) = report.outcome {
            extra.append(("consistency", .string(achieved.kind.rawValue)))
            if let reason = achieved.fallbackReason { extra.append(("fallback_reason", .string(reason))) }
        }
        if let checkpoint = report.checkpoint {
            extra.append(("snapshot_id", .string(checkpoint.id)))
        }
        let verb = report.outcome == .alreadyExisted ? "already exists" : "created"
        return .success(message: .string("Snapshot '\(name)' \(verb): \(report.summary)"), extra)
    }
}
