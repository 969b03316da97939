import Checkpoints
import CloudStack

/// `listsnapshots`: the VM's checkpoints as an array (see ``SnapshotListing``), `"printmessage":"true"` so the UI
/// shows it. Read-only: it takes no lock and waits for nothing.
struct ListSnapshotsAction: ExtensionActionHandler {
    func run(_ payload: ExtensionPayload, context: ExtensionContext) async throws(ExtensionError) -> ExtensionOutput {
        let vm = try payload.requireVM()
        let found = try await checkpoints { () async throws(CheckpointError) in
            try await context.service.listCheckpoints(vmName: vm)
        }
        return .success(
            message: .array(SnapshotListing.items(found.tree)), [("printmessage", .string("true"))])
    }
}
