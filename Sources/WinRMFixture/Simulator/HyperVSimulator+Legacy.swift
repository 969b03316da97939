import Foundation

/// What CloudStack's C# Hyper-V agent does to this host on a stop and a start (research: its `DestroyVm` and
/// `StartCommand` handling), for `winrm-fixture legacy-agent`: a stop destroys the VM (files stay); a start starts a
/// running VM as is, and otherwise destroys any Off VM of that name and defines a fresh one on the volumes' files —
/// without checkpoints.
extension HyperVSimulator {
    public struct LegacyOutcome: Codable, Sendable {
        public var result: Bool
        public var details: String
    }

    /// The Notes the C# agent writes on the VMs it creates (and scrubs Off VMs by).
    public static let legacyNotes = "Created by CloudStack, do not edit."

    public func legacyStop(vmName: String) -> LegacyOutcome {
        guard let vm = host.vms.first(where: { $0.name == vmName }) else {
            return LegacyOutcome(result: true, details: "VM \(vmName) is not on this host (already stopped)")
        }
        host.destroyVM(id: vm.id)
        return LegacyOutcome(result: true, details: "VM \(vmName) stopped and destroyed (DestroyVm)")
    }

    /// `disks`: the volumes' files (base `.vhdx` paths) in device order.
    public func legacyStart(vmName: String, disks: [String]) -> LegacyOutcome {
        if let vm = host.vms.first(where: { $0.name == vmName }) {
            if vm.state == 2 { return LegacyOutcome(result: true, details: "VM \(vmName) is already running") }
            host.destroyVM(id: vm.id)
        }
        var vm = SimulatedHost.VM(
            name: vmName, id: GUID.make(), state: 2,
            disks: disks.enumerated().map { SimulatedHost.Disk(slot: $0.offset, activePath: $0.element) })
        vm.notes = Self.legacyNotes
        for path in disks where host.file(path: path) == nil {
            host.files.append(
                SimulatedHost.DiskFile(path: path, parentPath: nil, fileSize: 4 << 30, maxInternalSize: 20 << 30))
        }
        host.vms.append(vm)
        return LegacyOutcome(result: true, details: "VM \(vmName) defined afresh and started (id \(vm.id))")
    }

    /// `POST /fixture/legacy` `{"action":"stop"|"start","vmName":…,"disks":[…]}`.
    public func legacy(json: [UInt8]) throws -> [UInt8] {
        struct Request: Decodable {
            var action: String
            var vmName: String
            var disks: [String]?
        }
        let request = try JSONDecoder().decode(Request.self, from: Data(json))
        let outcome: LegacyOutcome
        switch request.action {
        case "stop": outcome = legacyStop(vmName: request.vmName)
        case "start": outcome = legacyStart(vmName: request.vmName, disks: request.disks ?? [])
        default: throw FixtureError(message: "unknown legacy action \(request.action)")
        }
        return Array(try JSONEncoder().encode(outcome))
    }
}
