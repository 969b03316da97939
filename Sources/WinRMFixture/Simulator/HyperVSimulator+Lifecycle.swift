import WSMan

/// Whole-VM methods, from Microsoft's documentation of each (MicrosoftDocs/win32 `desktop-src/HyperV_v2`):
/// `Msvm_ShutdownComponent.InitiateShutdown`, `DestroySystem`, `ExportSystemDefinition`, `ImportSystemDefinition`,
/// `ImportSnapshotDefinitions`, `ValidatePlannedSystem`, `RealizePlannedSystem` — what CloudStack's stop/start
/// preservation needs (DESIGN §10).
extension HyperVSimulator {
    /// 32775 "Invalid state for this operation" (DestroySystem and ExportSystemDefinition need Off or Saved).
    static let invalidState = 32775
    /// 32779 "File not found" (ImportSystemDefinition).
    static let fileNotFound = 32779

    func invokeLifecycle(_ method: String, _ request: IncomingRequest, _ parameters: WSManInstance)
        throws(SimulatorFault) -> FixtureResponse?
    {
        switch (ResourceURI.className(of: request.resourceURI), method) {
        case ("Msvm_ShutdownComponent", "InitiateShutdown"): return try initiateShutdown(request, parameters)
        case ("Msvm_VirtualSystemManagementService", "DestroySystem"): return try destroySystem(request, parameters)
        case ("Msvm_VirtualSystemManagementService", "ExportSystemDefinition"):
            return try exportSystemDefinition(request, parameters)
        case ("Msvm_VirtualSystemManagementService", "ImportSystemDefinition"):
            return importSystemDefinition(request, parameters)
        case ("Msvm_VirtualSystemManagementService", "ImportSnapshotDefinitions"):
            return try importSnapshotDefinitions(request, parameters)
        case ("Msvm_VirtualSystemManagementService", "ValidatePlannedSystem"):
            return try plannedJob(request, parameters, method: method) { .validatePlanned(id: $0) }
        case ("Msvm_VirtualSystemManagementService", "RealizePlannedSystem"):
            return try plannedJob(request, parameters, method: method) { .realizePlanned(id: $0) }
        case ("CIM_DataFile", "Delete"):
            // root/cimv2 file deletion, for exported configurations only (a VM's disks are not the agent's to delete):
            // 0 done, 2 access denied (Win32 CIM_DataFile.Delete).
            guard let name = request.selectors.first(where: { $0.name == "Name" })?.value,
                let export = configuration.storage.exports.first(where: {
                    $0.definitionFile.caseInsensitiveCompare(name) == .orderedSame
                })
            else { return output(request, "Delete", returnValue: 2) }
            let folder = export.definitionFile.components(separatedBy: "\\").dropLast(2).joined(separator: "\\")
            configuration.storage.removeExports(under: folder + "\\")
            return output(request, "Delete", returnValue: 0)
        default:
            return nil
        }
    }

    /// Asks the guest to shut down: `Force` (bool), `Reason` (string). The VM must be running and its guest must
    /// offer the integration service (else no component instance exists to address).
    func initiateShutdown(_ request: IncomingRequest, _ parameters: WSManInstance) throws(SimulatorFault)
        -> FixtureResponse
    {
        guard let vmID = request.selectors.first(where: { $0.name == "SystemName" })?.value,
            let index = host.vmIndex(id: vmID), host.offersShutdown(host.vms[index])
        else {
            throw .destinationUnreachable(
                "The WS-Management service cannot find the resource identified by the resource URI and selectors.")
        }
        guard parameters.string("Reason")?.isEmpty == false else {
            throw .invalidMethodParameters("InitiateShutdown needs a Reason")
        }
        if host.vms[index].guestShutdown != "ignores" {
            host.vms[index].state = 4  // shutting down, Off after the job delay
            host.vms[index].settlesAt = now + Double(configuration.jobDelayMilliseconds) / 1000
            host.vms[index].settlesTo = 3
        }
        return output(request, "InitiateShutdown", returnValue: 0)
    }

    func destroySystem(_ request: IncomingRequest, _ parameters: WSManInstance) throws(SimulatorFault)
        -> FixtureResponse
    {
        guard let id = parameters.reference("AffectedSystem")?.selector("Name") else {
            throw .invalidMethodParameters("DestroySystem needs AffectedSystem")
        }
        if host.plannedIndex(id: id) == nil {
            guard let vm = host.vm(id: id) else {
                throw .notFound("AffectedSystem does not identify a virtual machine on this host")
            }
            guard [3, 6].contains(vm.state), !isMerging(vm) else {
                return output(request, "DestroySystem", returnValue: Self.invalidState)
            }
        }
        let job = startJob(method: "DestroySystem", jobType: 95, effect: .destroySystem(id: id))
        return output(request, "DestroySystem", returnValue: 4096, job: job)
    }

    func exportSystemDefinition(_ request: IncomingRequest, _ parameters: WSManInstance) throws(SimulatorFault)
        -> FixtureResponse
    {
        guard let id = parameters.reference("ComputerSystem")?.selector("Name"), let vm = host.vm(id: id) else {
            throw .notFound("ComputerSystem does not identify a virtual machine on this host")
        }
        guard let directory = parameters.string("ExportDirectory"), !directory.isEmpty else {
            throw .invalidMethodParameters("ExportSystemDefinition needs ExportDirectory")
        }
        guard [3, 6].contains(vm.state) else {
            return output(request, "ExportSystemDefinition", returnValue: Self.invalidState)
        }
        let settings = parameters.string("ExportSettingData").flatMap { try? CIMInstance.parse(cimXML: $0) }
        let copyStorage = settings?["CopyVmStorage"]?.lowercased() == "true"
        let snapshots = Int(settings?["CopySnapshotConfiguration"] ?? "0") ?? 0
        let subdirectory = settings?["CreateVmExportSubdirectory"]?.lowercased() != "false"
        let effect: SimulatedJob.Effect =
            copyStorage || snapshots == 2
            ? .fail(
                code: 32773,
                description:
                    "winrm-fixture simulates configuration-only exports of all or no checkpoints (CopyVmStorage=false, CopySnapshotConfiguration 0 or 1)."
            )
            : .exportSystem(id: id, directory: directory, subdirectory: subdirectory, checkpoints: snapshots == 0)
        let job = startJob(method: "ExportSystemDefinition", jobType: 100, effect: effect)
        return output(request, "ExportSystemDefinition", returnValue: 4096, job: job)
    }

    /// Defines a planned VM from an export (`GenerateNewSystemIdentifier` false keeps its id): returns at once with
    /// `ImportedSystem`.
    func importSystemDefinition(_ request: IncomingRequest, _ parameters: WSManInstance) -> FixtureResponse {
        guard let file = parameters.string("SystemDefinitionFile"), configuration.storage.isReachable(file),
            let export = configuration.storage.export(definitionFile: file)
        else {
            return output(request, "ImportSystemDefinition", returnValue: Self.fileNotFound)
        }
        var vm = export.vm
        if parameters.string("GenerateNewSystemIdentifier")?.lowercased() == "true" {
            vm.id = GUID.make()
        } else if host.vm(id: vm.id) != nil || host.plannedIndex(id: vm.id) != nil {
            // A register-in-place import cannot reuse an id that is registered here.
            return output(request, "ImportSystemDefinition", returnValue: 32768)
        }
        let planned = SimulatedHost.PlannedSystem(
            vm: vm, checkpoints: export.checkpoints.map { var copy = $0; copy.vmID = vm.id; return copy },
            files: export.files, definitionFile: file, snapshotsImported: export.checkpoints.isEmpty)
        host.planned = (host.planned ?? []) + [planned]
        return output(
            request, "ImportSystemDefinition", returnValue: 0,
            references: [("ImportedSystem", SimulatedHost.plannedEPR(vm.id))])
    }

    func importSnapshotDefinitions(_ request: IncomingRequest, _ parameters: WSManInstance) throws(SimulatorFault)
        -> FixtureResponse
    {
        guard let id = parameters.reference("PlannedSystem")?.selector("Name"), let index = host.plannedIndex(id: id)
        else {
            throw .notFound("PlannedSystem does not identify a planned virtual machine on this host")
        }
        guard let folder = parameters.string("SnapshotFolder"), configuration.storage.isReachable(folder) else {
            return output(request, "ImportSnapshotDefinitions", returnValue: Self.fileNotFound)
        }
        host.planned?[index].snapshotsImported = true
        let references = (host.planned?[index].checkpoints ?? []).map {
            ("ImportedSnapshots", SimulatedHost.settingsEPR("Microsoft:\($0.id)"))
        }
        return output(request, "ImportSnapshotDefinitions", returnValue: 0, references: references)
    }

    func plannedJob(
        _ request: IncomingRequest, _ parameters: WSManInstance, method: String,
        effect: (String) -> SimulatedJob.Effect
    ) throws(SimulatorFault) -> FixtureResponse {
        guard let id = parameters.reference("PlannedSystem")?.selector("Name"), host.plannedIndex(id: id) != nil
        else {
            throw .notFound("PlannedSystem does not identify a planned virtual machine on this host")
        }
        let job = startJob(method: method, jobType: 101, effect: effect(id))
        return output(request, method, returnValue: 4096, job: job)
    }

    /// Why a planned VM cannot be realized (nil: it can).
    func plannedProblem(_ planned: SimulatedHost.PlannedSystem) -> String? {
        if !planned.snapshotsImported {
            return
                "The virtual machine '\(planned.vm.name)' references checkpoints that were not imported: import them (ImportSnapshotDefinitions) or remove them before realizing."
        }
        if host.vm(id: planned.vm.id) != nil {
            return "A virtual machine with the identifier \(planned.vm.id) already exists."
        }
        let paths = planned.vm.disks.map(\.activePath) + planned.checkpoints.flatMap(\.diskPaths)
        if let missing = paths.first(where: { !configuration.storage.isReachable($0) }) {
            return "The file '\(missing)' cannot be found (the system cannot find the path specified)."
        }
        return nil
    }

    enum LifecycleOutcome {
        case done
        case failed(String)
    }

    /// Job effects of the whole-VM methods (`nil`: not one of them).
    func completeLifecycle(_ effect: SimulatedJob.Effect, job: inout SimulatedJob, at time: Double)
        -> LifecycleOutcome?
    {
        switch effect {
        case .destroySystem(let id):
            if let index = host.plannedIndex(id: id) {
                host.planned?.remove(at: index)
            } else {
                host.destroyVM(id: id)
            }
            return .done
        case .exportSystem(let id, let directory, let subdirectory, let withCheckpoints):
            guard let vm = host.vm(id: id) else { return .failed("The virtual machine no longer exists.") }
            guard configuration.storage.isReachable(directory) else {
                return .failed(
                    "Failed to export the virtual machine '\(vm.name)' to '\(directory)': The system cannot find the path specified. (0x80070003)"
                )
            }
            let folder = subdirectory ? "\(directory)\\\(vm.name)" : directory
            let checkpoints = withCheckpoints ? host.checkpoints(ofVM: id) : []
            let paths = vm.disks.map(\.activePath) + checkpoints.flatMap(\.diskPaths)
            let files = Set(paths.flatMap { host.chain(from: $0).map { $0.lowercased() } }).compactMap {
                host.file(path: $0)
            }
            var exported = vm
            exported.settlesAt = nil
            exported.settlesTo = nil
            if !withCheckpoints { exported.currentCheckpointID = nil }
            configuration.storage.store(
                SharedStorage.Export(
                    definitionFile: "\(folder)\\Virtual Machines\\\(vm.id).vmcx", snapshotFolder: "\(folder)\\Snapshots",
                    vm: exported, checkpoints: checkpoints, files: files, exportedBy: host.hostName, exportedAt: time,
                    registeredBy: nil))
            job.affected = [(host.vmEPR(vm), 0)]
            return .done
        case .validatePlanned(let id):
            guard let index = host.plannedIndex(id: id), let planned = host.planned?[index] else {
                return .failed("The planned virtual machine no longer exists.")
            }
            return plannedProblem(planned).map { .failed($0) } ?? .done
        case .realizePlanned(let id):
            guard let index = host.plannedIndex(id: id), let planned = host.planned?[index] else {
                return .failed("The planned virtual machine no longer exists.")
            }
            if let problem = plannedProblem(planned) { return .failed(problem) }
            host.planned?.remove(at: index)
            var vm = planned.vm
            vm.state = [6].contains(vm.state) ? 6 : 3
            host.vms.append(vm)
            host.checkpoints += planned.checkpoints
            for file in planned.files where host.file(path: file.path) == nil { host.files.append(file) }
            configuration.storage.markRegistered(definitionFile: planned.definitionFile, by: host.hostName)
            job.affected = [(host.vmEPR(vm), 0)]
            return .done
        default:
            return nil
        }
    }
}
