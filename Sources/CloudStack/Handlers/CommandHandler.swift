import HyperV

/// One CloudStack command, one handler. `execute` may throw; `handle` never does and always answers with the
/// handler's own answer class (CloudStack casts the answer before it reads `result`).
public protocol CommandHandler: Sendable {
    var commandClass: String { get }
    var answerClass: String { get }
    /// Does the work; returns the answer's `details` and its command-specific fields.
    func execute(_ command: VMSnapshotCommand) async throws(HyperVError) -> (details: String, fields: [(String, JSONValue)])
}

extension CommandHandler {
    /// The answer array for `command`: success, or `result:false` with the reason in `details`.
    public func handle(_ command: VMSnapshotCommand) async -> JSONValue {
        do {
            let (details, fields) = try await execute(command)
            return AnswerBuilder.answer(answerClass, result: true, details: details, fields: fields)
        } catch {
            return failure(error.description)
        }
    }

    public func failure(_ details: String) -> JSONValue {
        AnswerBuilder.answer(answerClass, result: false, details: details)
    }

    /// The checkpoint named `name`, if exactly one; several with that name is an error.
    func unique(_ name: String, in tree: CheckpointTree, vm: VirtualMachine) throws(HyperVError) -> Checkpoint? {
        let matches = tree.named(name)
        guard matches.count <= 1 else {
            throw HyperVError(.checkpointAmbiguous, "VM \(vm.name) has \(matches.count) checkpoints named \(name) (\(matches.map(\.id).joined(separator: ", "))); delete or rename the duplicates in Hyper-V", vm: vm.name, checkpoint: name)
        }
        return matches.first
    }
}
