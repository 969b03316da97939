import Foundation
import WSMan

/// Whole-VM operations for CloudStack's stop and start (DESIGN §10): guest shutdown, Notes, configuration-only
/// export, the planned-VM import that keeps the VM's id and checkpoint tree, and destroy (files kept).
extension HyperVClient {
    /// The VM's `Msvm_ShutdownComponent`, when its guest offers the shutdown integration service (1 round trip).
    public func shutdownComponent(of vm: VirtualMachine) async throws(HyperVError) -> EndpointReference? {
        let query = WQL.select(from: "Msvm_ShutdownComponent", where: [("SystemName", vm.id)])
        let found: [WSManInstance]
        do { found = try await client.enumerate(EnumerateRequest(wql: query)) } catch {
            throw .wsman(error, doing: "looking up the VM's shutdown integration service", vm: vm.name)
        }
        guard let component = found.first else { return nil }
        return EndpointReference(
            resourceURI: Msvm.uri("Msvm_ShutdownComponent"),
            selectors: ["CreationClassName", "DeviceID", "SystemCreationClassName", "SystemName"].compactMap { name in
                component.string(name).map { Selector(name, $0) }
            })
    }

    /// Asks the guest to shut down (`InitiateShutdown`); returns without waiting for the VM to be off.
    public func initiateShutdown(
        _ component: EndpointReference, vm: VirtualMachine, force: Bool, reason: String, deadline: ContinuousClock.Instant
    ) async throws(HyperVError) {
        let request = InvokeRequest(
            resourceURI: component.resourceURI, method: "InitiateShutdown", selectors: component.selectors,
            parameters: [.scalar("Force", force ? "true" : "false"), .scalar("Reason", reason)])
        try await call(request, vm: vm.name, deadline: deadline, describe: "asking the guest to shut down")
    }

    /// The VM's `Notes` (the first element of the string array).
    public func notes(of vm: VirtualMachine) async throws(HyperVError) -> String {
        try await realizedSettings(of: vm).string("Notes") ?? ""
    }

    /// Replaces the VM's `Notes` (`ModifySystemSettings`).
    public func setNotes(_ notes: String, of vm: VirtualMachine, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        let settings = CIMInstance(
            className: Msvm.virtualSystemSettingData,
            properties: [
                .init("InstanceID", type: "string", .scalar("Microsoft:\(vm.id)")),
                .init("Notes", type: "string", .array([notes])),
            ])
        try await call(
            managementService("ModifySystemSettings", [.embedded("SystemSettings", settings)]), vm: vm.name,
            deadline: deadline, describe: "writing the VM's Notes")
    }

    /// Exports the VM's configuration with all its checkpoints and no disk copy into `directory` (Hyper-V writes
    /// `<directory>\<VM name>\Virtual Machines\<GUID>.vmcx`); the VM must be off or saved.
    public func exportDefinition(of vm: VirtualMachine, to directory: String, deadline: ContinuousClock.Instant)
        async throws(HyperVError)
    {
        let settings = CIMInstance(
            className: "Msvm_VirtualSystemExportSettingData",
            properties: [
                .init("CopySnapshotConfiguration", type: "uint8", .scalar("0")),
                .init("CopyVmRuntimeInformation", type: "boolean", .scalar("false")),
                .init("CopyVmStorage", type: "boolean", .scalar("false")),
                .init("CreateVmExportSubdirectory", type: "boolean", .scalar("true")),
            ])
        try await call(
            managementService(
                "ExportSystemDefinition",
                [
                    .reference("ComputerSystem", vm.reference), .scalar("ExportDirectory", directory),
                    .embedded("ExportSettingData", settings),
                ]), vm: vm.name, deadline: deadline, describe: "exporting the VM's configuration to \(directory)")
    }

    /// Imports an exported VM in place, keeping its id, then its checkpoints, validates and realizes it.
    public func importInPlace(
        definitionFile: String, snapshotFolder: String, vmName: String, deadline: ContinuousClock.Instant
    ) async throws(HyperVError) {
        let (imported, _) = try await call(
            managementService(
                "ImportSystemDefinition",
                [
                    .scalar("SystemDefinitionFile", definitionFile), .scalar("SnapshotFolder", snapshotFolder),
                    .scalar("GenerateNewSystemIdentifier", "false"),
                ]), vm: vmName, deadline: deadline, describe: "importing the VM from \(definitionFile)")
        guard let planned = imported.output.reference("ImportedSystem") else {
            throw HyperVError(
                .unexpectedAnswer, "importing VM \(vmName): ImportSystemDefinition returned no ImportedSystem",
                vm: vmName)
        }
        try await call(
            managementService(
                "ImportSnapshotDefinitions",
                [.reference("PlannedSystem", planned), .scalar("SnapshotFolder", snapshotFolder)]),
            vm: vmName, deadline: deadline, describe: "importing the VM's checkpoints from \(snapshotFolder)")
        try await call(
            managementService("ValidatePlannedSystem", [.reference("PlannedSystem", planned)]), vm: vmName,
            deadline: deadline, describe: "validating the imported VM")
        try await call(
            managementService("RealizePlannedSystem", [.reference("PlannedSystem", planned)]), vm: vmName,
            deadline: deadline, describe: "registering the imported VM")
    }

    /// Removes the VM's definition and its checkpoints' (`DestroySystem`); every disk file stays.
    public func destroyDefinition(of vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(HyperVError) {
        try await call(
            managementService("DestroySystem", [.reference("AffectedSystem", vm.reference)]), vm: vm.name,
            deadline: deadline, describe: "removing the VM's definition (disks kept)")
    }

    /// Deletes a file through root/cimv2 `CIM_DataFile.Delete` (an exported configuration).
    public func deleteFile(_ path: String, vm: String, deadline: ContinuousClock.Instant) async throws(HyperVError) {
        let request = InvokeRequest(
            resourceURI: ResourceURI.cimV2 + "/CIM_DataFile", method: "Delete", selectors: [Selector("Name", path)],
            parameters: [])
        try await call(request, vm: vm, deadline: deadline, describe: "deleting \(path)")
    }
}

extension HyperVClient {
    /// Waits until the VM is off (or saved), at most until `deadline`; returns the VM as last seen (the caller turns
    /// it off when the guest did not shut down in time).
    public func waitForShutdown(_ vm: VirtualMachine, until deadline: ContinuousClock.Instant) async throws(HyperVError)
        -> VirtualMachine
    {
        do {
            return try await waitUntil(vm, deadline: deadline) { !$0.isOff && !$0.isSaved }
        } catch where error.code == .jobTimedOut {
            return try await refresh(vm)
        }
    }
}
