import ArgumentParser
import CloudStack
import Foundation
import HyperV

/// Operator diagnostics: a VM's checkpoint tree and disk chains, and hand-run create / revert / delete through the
/// same engine CloudStack's commands use.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints",
        abstract: "Inspect or change a VM's checkpoints: list | tree | show | create | revert | delete.")

    enum Action: String, ExpressibleByArgument, CaseIterable { case list, tree, show, create, revert, delete }

    @OptionGroup var options: ConfigOptions
    @Argument(help: "list, tree, show, create, revert or delete.") var action: Action
    @Argument(help: "The VM's name (ElementName).") var vm: String
    @Argument(help: "The checkpoint name (create, revert, delete, show).") var name: String?
    @Flag(help: "create: keep memory (DiskAndMemory; the VM must run). revert: start the VM afterwards.") var memory = false
    @Flag(help: "create: quiesce the guest (production checkpoint).") var quiesce = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await exiting {
            let runtime = try AgentRuntime(configuration: try options.load())
            var engine = runtime.engine()
            engine.hyperV.onProgress = { progress in
                FileHandle.standardError.write(Data("\(progress.method): \(progress.percent)% (\(JobState.name(progress.state)))\n".utf8))
            }
            let hyperV = engine.hyperV
            switch action {
            case .list, .tree, .show:
                let machine: VirtualMachine
                let tree: CheckpointTree
                let storage: VMStorage
                do {
                    machine = try await hyperV.findVM(named: vm)
                    tree = try await hyperV.checkpointTree(of: machine, settings: try await hyperV.realizedSettings(of: machine))
                    storage = try await engine.disks.storage(of: machine)
                } catch {
                    throw OperationFailure("\(error)")
                }
                try print(report(machine, tree, storage))
            case .create, .revert, .delete:
                guard let name else { throw UsageFailure("\(action.rawValue) needs a checkpoint name") }
                let commandClass = [Action.create: CommandClass.createVMSnapshot, .revert: CommandClass.revertToVMSnapshot, .delete: CommandClass.deleteVMSnapshot][action]!
                let body = JSONValue.object([
                    ("vmName", .string(vm)), ("volumeTOs", .array([])),
                    ("target", .object([("snapshotName", .string(name)), ("type", .string(memory ? "DiskAndMemory" : "Disk")), ("quiescevm", .bool(quiesce))])),
                ])
                let dispatcher = CommandDispatcher(engine: engine)
                guard case .answered(let answer, let result) = await dispatcher.dispatch(commandClass: commandClass, body: JSONWriter.bytes(body)) else {
                    throw UsageFailure("internal: no handler for \(commandClass)")
                }
                print(json ? JSONWriter.string(answer) : CommandDispatcher.details(of: answer))
                if !result { throw ExitCode(1) }
            }
        }
    }

    func report(_ machine: VirtualMachine, _ tree: CheckpointTree, _ storage: VMStorage) throws -> String {
        let selected = name.map { tree.named($0) } ?? tree.checkpoints
        if action == .show, selected.isEmpty { throw OperationFailure("checkpoint \(name ?? "") not found on VM \(vm)") }
        if json {
            struct Report: Encodable {
                var vm: VirtualMachine
                var currentCheckpoint: String?
                var checkpoints: [Checkpoint]
                var disks: [VirtualDisk]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return String(decoding: try encoder.encode(Report(vm: machine, currentCheckpoint: tree.currentID, checkpoints: selected, disks: storage.disks)), as: UTF8.self)
        }
        var lines = ["VM \(machine.name) {\(machine.id)} — \(machine.stateName)\(machine.isMerging ? ", merging disks" : "")"]
        switch action {
        case .tree:
            lines.append(tree.rendered())
        default:
            for checkpoint in selected {
                lines.append("\(checkpoint.id == tree.currentID ? "*" : " ") \(checkpoint.name)  id \(checkpoint.id)  created \(checkpoint.createdAt ?? "?")\(checkpoint.hasMemory ? "  memory" : "")  parent \(checkpoint.parentID ?? "-")")
            }
        }
        lines.append("disks:")
        for disk in storage.disks {
            lines.append("  \(disk.chainFileNames.joined(separator: " → "))  (differencing \(disk.differencingBytes) bytes)")
        }
        return lines.joined(separator: "\n")
    }
}
