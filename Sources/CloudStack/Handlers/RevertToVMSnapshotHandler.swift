import Checkpoints

/// `RevertToVMSnapshotCommand` → ``CheckpointService/revert(_:)``: the VM ends running for a `DiskAndMemory`
/// snapshot (resuming its saved memory) and off for a `Disk` snapshot.
public struct RevertToVMSnapshotHandler: CommandHandler {
    public let service: CheckpointService
    public var commandClass: String { CommandClass.revertToVMSnapshot }
    public var answerClass: String { AnswerClass.revertToVMSnapshot }

    public init(service: CheckpointService) { self.service = service }

    public func execute(_ command: VMSnapshotCommand) async throws(CheckpointError) -> AnswerFields {
        let report = try await service.revert(
            RevertRequest(
                vmName: command.vmName, checkpointName: command.snapshotName,
                power: command.type == .diskAndMemory ? .running : .off,
                timeout: command.timeout, disks: command.diskDetail))
        let state: PowerState = report.outcome == .reverted(running: true) ? .powerOn : .powerOff
        return AnswerFields(
            details: report.summary,
            fields: [
                ("volumeTOs", .array(command.volumes(after: report, logger: service.logger))),
                ("vmState", .string(state.rawValue)),
            ])
    }
}
