import ArgumentParser
import Checkpoints
import Foundation
import HyperV

/// Operator diagnostics and hand-run operations on the checkpoint service CloudStack's commands use: a VM's
/// checkpoint tree and disk chains; create / revert / delete.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints",
        abstract:
            "Inspect, verify or change a VM's checkpoints: list | tree | show | verify | create | revert | delete.",
        discussion: "verify exits 0 when the VM's disks are healthy, 1 when it found problems, 2 on usage errors.")

    enum Action: String, ExpressibleByArgument, CaseIterable { case list, tree, show, verify, create, revert, delete }

    @OptionGroup var options: ConfigOptions
    @Argument(help: "list, tree, show, verify, create, revert or delete.") var action: Action
    @Argument(help: "The VM's name (ElementName).") var vm: String
    @Argument(help: "The checkpoint name (create, revert, delete, show).") var name: String?
    @Flag(help: "create: keep memory (the VM must run). revert: start the VM afterwards.") var memory = false
    @Flag(help: "create: quiesce the guest (application-consistent, production checkpoint).") var quiesce = false
    @Flag(help: "delete: also every checkpoint below NAME.") var subtree = false
    @Flag(help: "delete: every checkpoint of the VM (no NAME).") var all = false
    @Flag(help: "Print JSON.") var json = false

    /// Usage problems, reported like every other usage error (exit status 2).
    func usageProblem() -> String? {
        if subtree && all { return "--subtree and --all exclude each other" }
        if (subtree || all) && action != .delete { return "--subtree and --all go with delete" }
        if [.create, .revert].contains(action) || (action == .delete && !all), name == nil {
            return "\(action.rawValue) needs a checkpoint name"
        }
        return nil
    }

    func run() async throws {
        try await exiting {
            if let problem = usageProblem() { throw UsageFailure(problem) }
            let runtime = try AgentRuntime(configuration: try options.load())
            var service = runtime.service()
            service.hyperV.onProgress = { progress in
                FileHandle.standardError.write(
                    Data("\(progress.method): \(progress.percent)% (\(JobState.name(progress.state)))\n".utf8))
            }
            do {
                switch action {
                case .list, .tree, .show:
                    try print(report(try await service.inspect(vmName: vm)))
                case .verify:
                    let found = try await service.verify(
                        vmName: vm, warnDepth: runtime.configuration.hypervChainWarnDepth)
                    print(json ? try prettyJSON(found) : Self.rendered(found))
                    if !found.healthy { throw ExitCode(1) }
                case .create, .revert, .delete:
                    let result = try await change(service)
                    print(json ? try prettyJSON(result) : result.summary)
                }
            } catch let error as CheckpointError {
                throw OperationFailure(error.description)
            }
        }
    }

    func change(_ service: CheckpointService) async throws(CheckpointError) -> CheckpointReport {
        let name = self.name ?? ""
        switch action {
        case .create:
            let consistency: ConsistencyRequest =
                memory ? .withMemory : quiesce ? .applicationConsistent : .crashConsistent
            return try await service.take(TakeRequest(vmName: vm, checkpointName: name, consistency: consistency))
        case .revert:
            return try await service.revert(
                RevertRequest(vmName: vm, checkpointName: name, power: memory ? .running : .off))
        default:
            return try await service.delete(
                DeleteRequest(vmName: vm, checkpointName: name, scope: all ? .all : subtree ? .subtree : .one))
        }
    }

    static func rendered(_ report: VerificationReport) -> String {
        var lines = [
            "VM \(report.vm.name) {\(report.vm.id)} — \(report.vm.stateName), \(report.checkpoints) checkpoint(s)"
        ]
        for chain in report.chains {
            lines.append(
                "  disk \(chain.slot): \(chain.files.map(VirtualDisk.fileName).joined(separator: " → "))  (\(chain.depth) differencing)"
            )
        }
        for finding in report.findings {
            lines.append("\(finding.isProblem ? "PROBLEM" : "note   ") \(finding.kind.rawValue): \(finding.message)")
        }
        let problems = report.findings.filter(\.isProblem).count
        lines.append(problems == 0 ? "healthy" : "\(problems) problem(s)")
        return lines.joined(separator: "\n")
    }

    func report(_ found: VMCheckpoints) throws -> String {
        let (machine, tree) = (found.vm, found.tree)
        let selected = name.map { tree.named($0) } ?? tree.checkpoints
        if action == .show, selected.isEmpty {
            throw OperationFailure("checkpoint \(name ?? "") not found on VM \(vm)")
        }
        let disks = found.storage.disks
        if json {
            struct Report: Encodable {
                var vm: VirtualMachine
                var currentCheckpoint: String?
                var checkpoints: [Checkpoint]
                var disks: [VirtualDisk]
                var preserved: Bool
            }
            return try prettyJSON(
                Report(
                    vm: machine, currentCheckpoint: tree.currentID, checkpoints: selected, disks: disks,
                    preserved: found.preserved))
        }
        var lines = [
            "VM \(machine.name) {\(machine.id)} — \(machine.stateName)\(machine.isMerging ? ", merging disks" : "")"
                + (found.preserved
                    ? " — PRESERVED across a CloudStack stop (kept off with its checkpoints; CloudStack's next start restores it)"
                    : "")
        ]
        switch action {
        case .tree:
            lines.append(tree.rendered())
        default:
            for checkpoint in selected {
                lines.append(
                    "\(checkpoint.id == tree.currentID ? "*" : " ") \(checkpoint.name)  id \(checkpoint.id)  created \(checkpoint.createdAt ?? "?")"
                        + "\(checkpoint.hasMemory ? "  memory" : "")  parent \(checkpoint.parentID ?? "-")")
            }
        }
        lines.append("disks:")
        for disk in disks {
            lines.append(
                "  \(disk.chainFileNames.joined(separator: " → "))  (differencing \(disk.differencingBytes) bytes)")
        }
        return lines.joined(separator: "\n")
    }
}
