import WSMan

/// WQL evaluation over the simulated host.
extension HyperVSimulator {
    func evaluate(_ text: String) throws(SimulatorFault) -> [FixtureInstance] {
        let query: WQLQuery
        do { query = try WQLQuery.parse(text) } catch { throw .invalidQuery(error.description) }
        switch query {
        case .select(let className, let conditions):
            return try instances(of: className).filter { instance in
                conditions.allSatisfy { property, expected in
                    guard let value = instance.properties[property] ?? nil else { return false }
                    return value.elements.contains { $0.text?.caseInsensitiveCompare(expected) == .orderedSame }
                }
            }
        case .associators(let className, let keys, let association, let result):
            let key = Dictionary(keys, uniquingKeysWith: { first, _ in first })
            let related = try associated(className: className, key: key, association: association ?? "")
            guard let result else { return related }
            return related.filter { $0.className == result || result == "CIM_ResourceAllocationSettingData" }
        }
    }

    func instances(of className: String) throws(SimulatorFault) -> [FixtureInstance] {
        let time = now
        switch className {
        case "Msvm_ComputerSystem", "CIM_ComputerSystem":
            return [host.hostComputerSystem()] + host.vms.map { host.computerSystem($0, now: time) }
        case "Msvm_VirtualSystemSettingData":
            return host.vms.map { host.realizedSettings($0, now: time) }
                + host.checkpoints.map { host.checkpointSettings($0) }
        case "Msvm_StorageAllocationSettingData":
            return host.vms.flatMap { host.storageSettings(settingsID: $0.id, paths: $0.disks.map(\.activePath)) }
                + host.checkpoints.flatMap { host.storageSettings(settingsID: $0.id, paths: $0.diskPaths) }
        case "CIM_DataFile":
            // root/cimv2 files, as `SELECT * FROM CIM_DataFile WHERE Drive = 'c:' AND Path = '\\dir\\' AND
            // Extension = 'avhdx'` lists a folder (WMI lower-cases Name, Drive and Path).
            return host.files.map { SimulatedHost.dataFile($0) }
                + configuration.storage.exports.filter { configuration.storage.isReachable($0.definitionFile) }.flatMap {
                    SimulatedHost.exportFiles($0)
                }
        case "Msvm_ShutdownComponent":
            return host.vms.filter { host.offersShutdown($0) }.map { host.shutdownComponent($0) }
        case "Msvm_PlannedComputerSystem":
            return (host.planned ?? []).map { host.plannedSystem($0) }
        case "Msvm_MemorySettingData":
            return host.vms.map { host.memorySettings(settingsID: $0.id, megabytes: $0.memoryMB) }
        case "Msvm_ConcreteJob":
            return jobOrder.compactMap { jobs[$0]?.instance(now: time) }
        case "Msvm_AffectedJobElement":
            return jobOrder.compactMap { jobs[$0] }.flatMap { job in
                job.affected.map { element, effect in
                    FixtureInstance(
                        className: "Msvm_AffectedJobElement",
                        properties: [
                            "AffectedElement": .reference(element), "AffectingElement": .reference(job.epr),
                            "ElementEffects": .array([.string(String(effect))]),
                        ])
                }
            }
        case "Msvm_VirtualSystemSnapshotService", "Msvm_VirtualSystemManagementService", "Msvm_ImageManagementService":
            return [
                FixtureInstance(
                    className: className,
                    properties: [
                        "CreationClassName": .string(className), "ElementName": .string(className),
                        "EnabledState": .string("2"),
                        "Name": .string(
                            className == "Msvm_VirtualSystemSnapshotService"
                                ? "vssnapsvc" : className == "Msvm_ImageManagementService" ? "vhdsvc" : "vmms"),
                        "SystemCreationClassName": .string("Msvm_ComputerSystem"), "SystemName": .string(host.hostName),
                    ])
            ]
        default:
            throw .invalidQuery("Invalid class \(className) (WBEM_E_INVALID_CLASS 0x80041010)")
        }
    }

    func associated(className: String, key: [String: String], association: String) throws(SimulatorFault)
        -> [FixtureInstance]
    {
        let time = now
        switch (className, association) {
        case ("Msvm_ComputerSystem", let assoc):
            guard let vm = key["Name"].flatMap({ host.vm(id: $0) }) else { return [] }
            switch assoc {
            case "Msvm_SnapshotOfVirtualSystem":
                return host.checkpoints(ofVM: vm.id).map { host.checkpointSettings($0) }
            case "Msvm_MostCurrentSnapshotInBranch":
                return vm.currentCheckpointID.flatMap { host.checkpoint(id: $0) }.map { [host.checkpointSettings($0)] }
                    ?? []
            case "Msvm_SettingsDefineState":
                return [host.realizedSettings(vm, now: time)]
            default:
                throw .invalidQuery("Unsupported association \(assoc) for Msvm_ComputerSystem")
            }
        case ("Msvm_VirtualSystemSettingData", let assoc):
            guard let instanceID = key["InstanceID"] else { return [] }
            let guid =
                instanceID.hasPrefix("Microsoft:") ? String(instanceID.dropFirst("Microsoft:".count)) : instanceID
            switch assoc {
            case "Msvm_VirtualSystemSettingDataComponent":
                if let vm = host.vm(id: guid) {
                    return host.storageSettings(settingsID: vm.id, paths: vm.disks.map(\.activePath))
                        + [host.memorySettings(settingsID: vm.id, megabytes: vm.memoryMB)]
                }
                guard let checkpoint = host.checkpoint(id: guid) else { return [] }
                let memory = host.vm(id: checkpoint.vmID)?.memoryMB ?? 0
                return host.storageSettings(settingsID: checkpoint.id, paths: checkpoint.diskPaths)
                    + [host.memorySettings(settingsID: checkpoint.id, megabytes: memory)]
            case "Msvm_ParentChildSettingData":
                return host.checkpoints.filter { $0.parentID?.caseInsensitiveCompare(guid) == .orderedSame }.map {
                    host.checkpointSettings($0)
                }
            default:
                throw .invalidQuery("Unsupported association \(assoc) for Msvm_VirtualSystemSettingData")
            }
        case ("Msvm_ConcreteJob", "Msvm_AffectedJobElement"):
            guard let job = key["InstanceID"].flatMap({ jobs[$0.uppercased()] }) else { return [] }
            return job.affected.compactMap { element, _ in
                if element.className == "Msvm_ComputerSystem" {
                    return element.selector("Name").flatMap { host.vm(id: $0) }.map {
                        host.computerSystem($0, now: time)
                    }
                }
                return element.selector("InstanceID").flatMap { settingsInstance(instanceID: $0) }
            }
        default:
            throw .invalidQuery("Unsupported ASSOCIATORS OF \(className) via \(association)")
        }
    }
}
