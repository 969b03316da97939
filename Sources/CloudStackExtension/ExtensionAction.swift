/// The actions `hyperv-agent extension` answers itself; every other action goes to `extension.fallback`.
///
/// The management server passes custom actions with the case they were registered with (`CreateSnapshot`), so
/// matching is case-insensitive, as in the stock `hyperv.py`.
public enum ExtensionAction: String, CaseIterable, Sendable {
    case createSnapshot = "createsnapshot"
    case restoreSnapshot = "restoresnapshot"
    case deleteSnapshot = "deletesnapshot"
    case listSnapshots = "listsnapshots"
    case status
    case statuses

    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }

    /// The action's handler.
    var handler: any ExtensionActionHandler {
        switch self {
        case .createSnapshot: CreateSnapshotAction()
        case .restoreSnapshot: RestoreSnapshotAction()
        case .deleteSnapshot: DeleteSnapshotAction()
        case .listSnapshots: ListSnapshotsAction()
        case .status: StatusAction()
        case .statuses: StatusesAction()
        }
    }
}
