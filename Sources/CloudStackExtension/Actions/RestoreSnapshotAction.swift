import Checkpoints
import CloudStack

/// `restoresnapshot`: `snapshot_name` (required). The VM ends running when the snapshot holds memory (it resumes
/// where it was) and off otherwise — unlike `Restore-VMSnapshot`, which leaves every restored VM off.
struct RestoreSnapshotAction: ExtensionActionHandler {
    func run(_ payload: ExtensionPayload, context: ExtensionContext) async throws(ExtensionError) -> ExtensionOutput {
        let (vm, name) = try payload.snapshotTarget(for: .restoreSnapshot)
        let report = try await checkpoints { () async throws(CheckpointError) in
            try await context.service.revert(
                RevertRequest(vmName: vm, checkpointName: name, power: .asCheckpoint, timeout: context.timeout))
        }
        var running = false
        if case .reverted(let isRunning) = report.outcome { running = isRunning }
        return .success(
            message: .string("Snapshot '\(name)' restored: \(report.summary)"),
            [("power_state", .string(running ? PowerState.poweron.rawValue : PowerState.poweroff.rawValue))])
    }
}
