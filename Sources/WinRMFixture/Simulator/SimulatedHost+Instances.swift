import Foundation
import WSMan

/// How the simulated host's objects look on the wire (property sets follow real `Msvm_*` instances).
extension SimulatedHost {
    static func datetime(_ seconds: Double) -> WSManValue {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return .datetime(formatter.string(from: Date(timeIntervalSince1970: seconds)))
    }

    static let never: WSManValue = .datetime("1601-01-01T00:00:00Z")

    func vmEPR(_ vm: VM) -> EndpointReference {
        EndpointReference(
            resourceURI: ResourceURI.v2("Msvm_ComputerSystem"),
            selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", vm.id)])
    }

    static func settingsEPR(_ instanceID: String) -> EndpointReference {
        EndpointReference(
            resourceURI: ResourceURI.v2("Msvm_VirtualSystemSettingData"),
            selectors: [Selector("InstanceID", instanceID)])
    }

    /// WMI object path of a VSSD, as found in `Parent`.
    func objectPath(settingsID guid: String) -> String {
        #"\\\#(hostName)\root\virtualization\v2:Msvm_VirtualSystemSettingData.InstanceID="Microsoft:\#(guid)""#
    }

    func operationalStatus(_ vm: VM, now: Double) -> WSManValue {
        if let until = vm.mergingUntil, until > now { return .array([.string("2"), .string("32772")]) }
        return .array([.string("2")])
    }

    func computerSystem(_ vm: VM, now: Double) -> FixtureInstance {
        FixtureInstance(
            className: "Msvm_ComputerSystem",
            properties: [
                "Caption": .string("Virtual Machine"), "CommunicationStatus": nil,
                "CreationClassName": .string("Msvm_ComputerSystem"),
                "Description": .string("Microsoft Virtual Machine"), "DetailedStatus": nil,
                "ElementName": .string(vm.name),
                "EnabledDefault": .string("2"), "EnabledState": .string(String(vm.state)), "HealthState": .string("5"),
                "InstallDate": Self.datetime(now - 86_400), "InstanceID": nil, "LastSuccessfulBackupTime": nil,
                "Name": .string(vm.id), "NameFormat": nil, "NumberOfNumaNodes": .string("1"),
                "OnTimeInMilliseconds": .string(vm.state == 2 ? "3600000" : "0"),
                "OperationalStatus": operationalStatus(vm, now: now),
                "OtherEnabledState": nil, "PrimaryOwnerContact": nil, "PrimaryOwnerName": nil, "ProcessID": nil,
                "RequestedState": .string("5"), "ResetCapability": .string("1"), "Status": .string("OK"),
                "StatusDescriptions": .string("Operating normally"),
                "TimeOfLastConfigurationChange": Self.datetime(now - 60),
                "TimeOfLastStateChange": Self.never, "TransitioningToState": nil,
            ])
    }

    func hostComputerSystem() -> FixtureInstance {
        FixtureInstance(
            className: "Msvm_ComputerSystem",
            properties: [
                "Caption": .string("Hosting Computer System"), "CreationClassName": .string("Msvm_ComputerSystem"),
                "Description": .string("Microsoft Hosting Computer System"), "ElementName": .string(hostName),
                "EnabledState": .string("2"), "HealthState": .string("5"), "InstanceID": nil, "Name": .string(hostName),
                "OperationalStatus": .array([.string("2")]), "Status": .string("OK"),
            ])
    }

    func realizedSettings(_ vm: VM, now: Double) -> FixtureInstance {
        FixtureInstance(
            className: "Msvm_VirtualSystemSettingData",
            properties: [
                "Caption": .string("Virtual Machine Settings"),
                "ConfigurationDataRoot": .string(#"C:\ProgramData\Microsoft\Windows\Hyper-V"#),
                "ConfigurationID": .string(vm.id), "CreationTime": Self.datetime(now - 86_400),
                "Description": .string("Active settings for the virtual machine."), "ElementName": .string(vm.name),
                "InstanceID": .string("Microsoft:\(vm.id)"), "IsSaved": .string(vm.state == 6 ? "true" : "false"),
                "Notes": .array([.string(vm.notes ?? "")]),
                "Parent": vm.currentCheckpointID.map { .string(objectPath(settingsID: $0)) } ?? nil,
                "SnapshotDataRoot": .string(#"C:\ProgramData\Microsoft\Windows\Hyper-V"#),
                "UserSnapshotType": .string(String(vm.userSnapshotType)), "Version": .string("10.0"),
                "VirtualSystemIdentifier": .string(vm.id),
                "VirtualSystemType": .string("Microsoft:Hyper-V:System:Realized"),
            ])
    }

    func checkpointSettings(_ checkpoint: Checkpoint) -> FixtureInstance {
        FixtureInstance(
            className: "Msvm_VirtualSystemSettingData",
            properties: [
                "Caption": .string("Virtual Machine Settings"), "ConfigurationID": .string(checkpoint.id),
                "CreationTime": Self.datetime(checkpoint.createdAt),
                "Description": .string("Checkpoint settings for the virtual machine."),
                "ElementName": .string(checkpoint.name), "InstanceID": .string("Microsoft:\(checkpoint.id)"),
                "IsSaved": .string(checkpoint.hasMemory ? "true" : "false"), "Notes": .array([.string("")]),
                "Parent": checkpoint.parentID.map { .string(objectPath(settingsID: $0)) } ?? nil,
                "UserSnapshotType": .string(String(checkpoint.userSnapshotType)), "Version": .string("10.0"),
                "VirtualSystemIdentifier": .string(checkpoint.vmID),
                "VirtualSystemType": .string("Microsoft:Hyper-V:Snapshot:Realized"),
            ])
    }

    /// The `Msvm_StorageAllocationSettingData` of a configuration (realized VM or checkpoint).
    func storageSettings(settingsID: String, paths: [String]) -> [FixtureInstance] {
        paths.enumerated().map { slot, path in
            FixtureInstance(
                className: "Msvm_StorageAllocationSettingData",
                properties: [
                    "Address": nil, "AddressOnParent": .string(String(slot)), "AllocationUnits": .string("bytes"),
                    "AutomaticAllocation": .string("true"), "Caption": .string("Hard Disk Image"),
                    "Description": .string("Settings for the Microsoft Hard Disk Image."),
                    "ElementName": .string("Hard Disk Image"),
                    "HostResource": .array([.string(path)]),
                    "InstanceID": .string(
                        #"Microsoft:\#(settingsID)\83F8638B-8DCA-4152-9EDA-2CA8B33039B4\\#(slot)\0\L"#),
                    "Parent": .string(
                        #"\\\#(hostName)\root\virtualization\v2:Msvm_ResourceAllocationSettingData.InstanceID="Microsoft:\#(settingsID)\\83F8638B-8DCA-4152-9EDA-2CA8B33039B4\\\#(slot)\\0\\D""#
                    ),
                    "ResourceSubType": .string("Microsoft:Hyper-V:Virtual Hard Disk"), "ResourceType": .string("31"),
                ])
        }
    }

    func memorySettings(settingsID: String, megabytes: Int) -> FixtureInstance {
        FixtureInstance(
            className: "Msvm_MemorySettingData",
            properties: [
                "AllocationUnits": .string("byte * 2^20"), "ElementName": .string("Memory"),
                "InstanceID": .string(#"Microsoft:\#(settingsID)\4764334D-E001-4176-82EE-5594EC9B530E"#),
                "ResourceType": .string("4"), "VirtualQuantity": .string(String(megabytes)),
            ])
    }

    /// A disk file as `CIM_DataFile` (root/cimv2) describes it.
    static func dataFile(_ file: DiskFile) -> FixtureInstance {
        let lower = file.path.lowercased()
        let drive = lower.count >= 2 && lower.dropFirst().first == ":" ? String(lower.prefix(2)) : ""
        let rest = drive.isEmpty ? lower : String(lower.dropFirst(2))
        let folderEnd = rest.lastIndex(of: "\\").map { rest.index(after: $0) } ?? rest.startIndex
        let name = String(rest[folderEnd...])
        let dot = name.lastIndex(of: ".")
        return FixtureInstance(
            className: "CIM_DataFile",
            properties: [
                "CreationClassName": .string("CIM_LogicalFile"), "Drive": .string(drive),
                "Extension": .string(dot.map { String(name[name.index(after: $0)...]) } ?? ""),
                "FileName": .string(dot.map { String(name[..<$0]) } ?? name),
                "FileSize": .string(String(file.fileSize)),
                "Name": .string(lower), "Path": .string(String(rest[..<folderEnd])),
            ])
    }
}
