import Checkpoints
import CloudStack
import HyperV

/// `status` (every host ping, per VM): `{"status":"success","power_state":"poweron"|"poweroff"|"unknown"}`. A VM
/// that is not on this host is `unknown` — the management server also asks the VM's previous host, and `poweroff`
/// from there would stop a VM running elsewhere.
struct StatusAction: ExtensionActionHandler {
    func run(_ payload: ExtensionPayload, context: ExtensionContext) async throws(ExtensionError) -> ExtensionOutput {
        let name = try payload.requireVM()
        do {
            let vm = try await context.service.hyperV.findVM(named: name)
            return ExtensionOutput(
                succeeded: true,
                object: .object([("status", .string("success")), ("power_state", .string(PowerState(vm).rawValue))]))
        } catch  where error.code == .vmNotFound {
            return ExtensionOutput(
                succeeded: true,
                object: .object([
                    ("status", .string("success")), ("power_state", .string(PowerState.unknown.rawValue)),
                    ("message", .string(error.message)),
                ]))
        } catch {
            throw ExtensionError(CheckpointError(error))
        }
    }
}
