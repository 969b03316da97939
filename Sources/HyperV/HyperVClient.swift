import Foundation
import Logging
import WSMan

/// Hyper-V operations over WS-Man, each in as few round trips as the protocol allows.
///
/// Methods take the operation's `deadline`; jobs are waited for with ``JobWaiter`` (progress logged).
public struct HyperVClient: Sendable {
    public let client: WSManClient
    public var logger: Logger
    public var schedule = PollSchedule()
    public var clock = HostClock.live
    public var onProgress: @Sendable (JobProgress) -> Void = { _ in }
    /// Called after each job wait with the method and the time waited (metrics).
    public var onJobWaited: @Sendable (String, Duration) -> Void = { _, _ in }

    public init(client: WSManClient, logger: Logger = Logger(label: "hyperv-agent.hyperv")) {
        self.client = client
        self.logger = logger
    }

    // MARK: lookups

    /// The VM whose `ElementName` is exactly `name` (1 round trip). Absence and ambiguity are errors.
    public func findVM(named name: String) async throws(HyperVError) -> VirtualMachine {
        let query = WQL.select(from: Msvm.computerSystem, where: [("ElementName", name)])
        let found: [WSManInstance]
        do { found = try await client.enumerate(EnumerateRequest(wql: query)) } catch {
            throw .wsman(error, doing: "looking up the VM", vm: name)
        }
        // WQL compares case-insensitively; CloudStack names are exact.
        let vms = found.filter { $0.string("ElementName") == name && $0.string("Description") != Msvm.hostDescription }
            .map(VirtualMachine.init)
        guard let vm = vms.first else {
            throw HyperVError(
                .vmNotFound,
                "VM \(name) was not found on this Hyper-V host (no Msvm_ComputerSystem with that ElementName); check that the VM exists on \(client.transport.endpoint)",
                vm: name)
        }
        guard vms.count == 1 else {
            throw HyperVError(
                .vmAmbiguous,
                "VM name \(name) is ambiguous: \(vms.count) VMs carry it (\(vms.map(\.id).joined(separator: ", "))); rename the duplicates",
                vm: name)
        }
        return vm
    }

    /// Every virtual machine on the host, without the host's own `Msvm_ComputerSystem` (1 enumeration; a VM's
    /// `Name` is its GUID, the host's is its computer name — that holds on every locale, unlike `Caption`).
    public func virtualMachines() async throws(HyperVError) -> [VirtualMachine] {
        let found: [WSManInstance]
        do {
            found = try await client.enumerate(
                EnumerateRequest(wql: WQL.select(from: Msvm.computerSystem), maxElements: 256))
        } catch {
            throw .wsman(error, doing: "listing the host's VMs", vm: nil)
        }
        return found.map(VirtualMachine.init).filter { UUID(uuidString: $0.id) != nil }
    }

    /// Fresh state of a VM (1 round trip).
    public func refresh(_ vm: VirtualMachine) async throws(HyperVError) -> VirtualMachine {
        do {
            return VirtualMachine(try await client.get(GetRequest(vm.reference)))
        } catch {
            throw .wsman(error, doing: "reading the VM state", vm: vm.name)
        }
    }

    /// The VM's realized settings: `UserSnapshotType` and the current checkpoint (`Parent`) (1 round trip).
    public func realizedSettings(of vm: VirtualMachine) async throws(HyperVError) -> WSManInstance {
        let query = WQL.select(
            from: Msvm.virtualSystemSettingData,
            where: [("VirtualSystemIdentifier", vm.id), ("VirtualSystemType", Msvm.realizedType)])
        let found: [WSManInstance]
        do { found = try await client.enumerate(EnumerateRequest(wql: query)) } catch {
            throw .wsman(error, doing: "reading the VM's settings", vm: vm.name)
        }
        guard let settings = found.first else {
            throw HyperVError(
                .unexpectedAnswer, "VM \(vm.name) has no realized Msvm_VirtualSystemSettingData on this host",
                vm: vm.name)
        }
        return settings
    }

    /// The VM's realized settings and all its checkpoints in one query: every `Msvm_VirtualSystemSettingData` whose
    /// `VirtualSystemIdentifier` is the VM's GUID is either its realized settings or one of its checkpoints (1 round
    /// trip instead of 2). The current checkpoint comes with it (the realized settings' `Parent`).
    public func settingsAndTree(of vm: VirtualMachine) async throws(HyperVError) -> (WSManInstance, CheckpointTree) {
        let query = WQL.select(from: Msvm.virtualSystemSettingData, where: [("VirtualSystemIdentifier", vm.id)])
        let found: [WSManInstance]
        do { found = try await client.enumerate(EnumerateRequest(wql: query, maxElements: 256)) } catch {
            throw .wsman(error, doing: "reading the VM's settings and checkpoints", vm: vm.name)
        }
        guard let settings = found.first(where: { $0.string("VirtualSystemType") == Msvm.realizedType }) else {
            throw HyperVError(
                .unexpectedAnswer, "VM \(vm.name) has no realized Msvm_VirtualSystemSettingData on this host",
                vm: vm.name)
        }
        let list = found.filter { $0.string("VirtualSystemType") == Msvm.snapshotType }.map(Checkpoint.init)
        let current = try await currentCheckpointID(of: vm, settings: settings, hasCheckpoints: !list.isEmpty)
        return (settings, CheckpointTree(checkpoints: list, currentID: current))
    }

    /// The current checkpoint: the realized settings' `Parent`; when a host leaves that empty although the VM has
    /// checkpoints, `Msvm_MostCurrentSnapshotInBranch` (1 more round trip, only then).
    public func currentCheckpointID(of vm: VirtualMachine, settings: WSManInstance, hasCheckpoints: Bool)
        async throws(HyperVError) -> String?
    {
        if let parent = settings.string("Parent").flatMap(Checkpoint.guid(fromObjectPath:)) { return parent }
        guard hasCheckpoints else { return nil }
        let query = WQL.associators(
            of: Msvm.computerSystem, keys: vm.selectors, associationClass: "Msvm_MostCurrentSnapshotInBranch",
            resultClass: Msvm.virtualSystemSettingData)
        do {
            return try await client.enumerate(EnumerateRequest(wql: query)).first.map { Checkpoint($0).id }
        } catch {
            throw .wsman(error, doing: "finding the current checkpoint", vm: vm.name)
        }
    }
}
