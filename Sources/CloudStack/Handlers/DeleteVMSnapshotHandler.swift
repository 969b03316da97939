import Checkpoints

/// `DeleteVMSnapshotCommand` → ``CheckpointService/delete(_:)`` of one checkpoint (children survive, disks
/// merge); an absent checkpoint is success.
public struct DeleteVMSnapshotHandler: CommandHandler {
    public let service: CheckpointService
    public var commandClass: String { CommandClass.deleteVMSnapshot }
    public var answerClass: String { AnswerClass.deleteVMSnapshot }

    public init(service: CheckpointService) { self.service = service }

    public func execute(_ command: VMSnapshotCommand) async throws(CheckpointError) -> AnswerFields {
        let report = try await service.delete(
            DeleteRequest(
                vmName: command.vmName, checkpointName: command.snapshotName, timeout: command.timeout,
                disks: command.diskDetail))
        return AnswerFields(
            details: report.summary,
            fields: [("volumeTOs", .array(command.volumes(after: report, logger: service.logger)))])
    }
}
