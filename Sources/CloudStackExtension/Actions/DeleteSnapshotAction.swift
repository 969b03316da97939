import Checkpoints
import CloudStack

/// `deletesnapshot`: `snapshot_name` (required). Its children survive (their disks merge); a snapshot that is not
/// there is success (a re-run, or deleted in Hyper-V meanwhile).
struct DeleteSnapshotAction: ExtensionActionHandler {
    func run(_ payload: ExtensionPayload, context: ExtensionContext) async throws(ExtensionError) -> ExtensionOutput {
        let (vm, name) = try payload.snapshotTarget(for: .deleteSnapshot)
        let report = try await checkpoints { () async throws(CheckpointError) in
            try await context.service.delete(
                DeleteRequest(vmName: vm, checkpointName: name, scope: .one, timeout: context.timeout))
        }
        let verb = report.outcome == .alreadyAbsent ? "was already absent" : "deleted"
        return .success(message: .string("Snapshot '\(name)' \(verb): \(report.summary)"))
    }
}
