import Checkpoints
import CloudStack
import HyperV

/// `statuses` (CloudStack 4.22+, one call per host ping): every VM on the host by its name (one enumeration).
struct StatusesAction: ExtensionActionHandler {
    func run(_ payload: ExtensionPayload, context: ExtensionContext) async throws(ExtensionError) -> ExtensionOutput {
        let vms: [VirtualMachine]
        do { vms = try await context.service.hyperV.virtualMachines() } catch {
            throw ExtensionError(CheckpointError(error))
        }
        var states: [(String, JSONValue)] = []
        for vm in vms.sorted(by: { $0.name < $1.name }) where !states.contains(where: { $0.0 == vm.name }) {
            states.append((vm.name, .string(PowerState(vm).rawValue)))
        }
        return ExtensionOutput(
            succeeded: true, object: .object([("status", .string("success")), ("power_state", .object(states))]))
    }
}
