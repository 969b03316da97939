import WSMan

/// What a host does to whole VMs: guest shutdown, destroy, and the planned VMs of an import.
extension SimulatedHost {
    /// A VM being imported (`Msvm_PlannedComputerSystem`): defined, not yet realized.
    public struct PlannedSystem: Codable, Sendable, Equatable {
        public var vm: VM
        public var checkpoints: [Checkpoint]
        public var files: [DiskFile]
        public var definitionFile: String
        public var snapshotsImported: Bool
    }

    /// `DestroySystem`: the VM's configuration and its checkpoints' configurations go; every disk file stays.
    public mutating func destroyVM(id: String) {
        vms.removeAll { $0.id.caseInsensitiveCompare(id) == .orderedSame }
        checkpoints.removeAll { $0.vmID.caseInsensitiveCompare(id) == .orderedSame }
    }

    func plannedIndex(id: String) -> Int? {
        (planned ?? []).firstIndex { $0.vm.id.caseInsensitiveCompare(id) == .orderedSame }
    }

    /// The `Msvm_ShutdownComponent` of a running VM whose guest offers the shutdown integration service.
    func shutdownComponent(_ vm: VM) -> FixtureInstance {
        FixtureInstance(
            className: "Msvm_ShutdownComponent",
            properties: [
                "Caption": .string("Shutdown"), "CreationClassName": .string("Msvm_ShutdownComponent"),
                "Description": .string("Microsoft Virtual Machine Shutdown Integration Component"),
                "DeviceID": .string(Self.shutdownDeviceID(vm.id)), "ElementName": .string("Shutdown"),
                "EnabledDefault": .string("2"), "EnabledState": .string("2"), "HealthState": .string("5"),
                "OperationalStatus": .array([.string("2")]), "StatusDescriptions": .array([.string("OK")]),
                "SystemCreationClassName": .string("Msvm_ComputerSystem"), "SystemName": .string(vm.id),
            ])
    }

    static func shutdownDeviceID(_ vmID: String) -> String {
        "Microsoft:\(vmID)\\9F8233AC-BE49-4C79-8EE3-E7E1985B2077"
    }

    static func shutdownEPR(_ vmID: String) -> EndpointReference {
        EndpointReference(
            resourceURI: ResourceURI.v2("Msvm_ShutdownComponent"),
            selectors: [
                Selector("CreationClassName", "Msvm_ShutdownComponent"), Selector("DeviceID", shutdownDeviceID(vmID)),
                Selector("SystemCreationClassName", "Msvm_ComputerSystem"), Selector("SystemName", vmID),
            ])
    }

    func offersShutdown(_ vm: VM) -> Bool { vm.state == 2 && vm.guestShutdown != "unavailable" }

    func plannedSystem(_ planned: PlannedSystem) -> FixtureInstance {
        FixtureInstance(
            className: "Msvm_PlannedComputerSystem",
            properties: [
                "Caption": .string("Planned Virtual Machine"), "CreationClassName": .string("Msvm_PlannedComputerSystem"),
                "Description": .string("Microsoft Planned Virtual Machine"), "ElementName": .string(planned.vm.name),
                "EnabledState": .string("3"), "HealthState": .string("5"), "Name": .string(planned.vm.id),
                "OperationalStatus": .array([.string("2")]),
            ])
    }

    static func plannedEPR(_ id: String) -> EndpointReference {
        EndpointReference(
            resourceURI: ResourceURI.v2("Msvm_PlannedComputerSystem"),
            selectors: [Selector("CreationClassName", "Msvm_PlannedComputerSystem"), Selector("Name", id)])
    }

    /// The `.vmcx` files of exports, as root/cimv2 `CIM_DataFile` rows (so a host finds another host's export).
    static func exportFiles(_ export: SharedStorage.Export) -> [FixtureInstance] {
        [export.definitionFile, export.runtimeFile].compactMap { $0 }.map {
            dataFile(DiskFile(path: $0, parentPath: nil, fileSize: 65_536, maxInternalSize: 0))
        }
    }
}
