import Checkpoints

/// `CreateVMSnapshotCommand` → ``CheckpointService/take(_:)`` of a checkpoint named `target.snapshotName`:
/// `DiskAndMemory` keeps memory, `Disk` is application-consistent when `quiescevm` (the default), else
/// crash-consistent.
public struct CreateVMSnapshotHandler: CommandHandler {
    public let service: CheckpointService
    public var commandClass: String { CommandClass.createVMSnapshot }
    public var answerClass: String { AnswerClass.createVMSnapshot }

    public init(service: CheckpointService) { self.service = service }

    public func execute(_ command: VMSnapshotCommand) async throws(CheckpointError) -> AnswerFields {
        let consistency: ConsistencyRequest =
            command.type == .diskAndMemory ? .withMemory : command.quiesce ? .applicationConsistent : .crashConsistent
        let report = try await service.take(
            TakeRequest(
                vmName: command.vmName, checkpointName: command.snapshotName, consistency: consistency,
                timeout: command.timeout,
                disks: command.diskDetail))
        return AnswerFields(
            details: report.summary,
            fields: [
                ("volumeTOs", .array(command.volumes(after: report, logger: service.logger))),
                ("vmSnapshotTo", command.target),
            ])
    }
}
