import WSMan
import XMLSupport

/// The WMI methods of the simulated host.
extension HyperVSimulator {
    static let embeddedParameters: Set<String> = [
        "SnapshotSettings", "SystemSettings", "ResourceSettings", "ExportSettingData",
    ]
    static let services: Set<String> = [
        "Msvm_VirtualSystemSnapshotService", "Msvm_VirtualSystemManagementService", "Msvm_ImageManagementService",
    ]

    func invoke(_ method: String, _ request: IncomingRequest) throws(SimulatorFault) -> FixtureResponse {
        let className = ResourceURI.className(of: request.resourceURI)
        guard let input = request.invokeInputElement else {
            throw .invalidMethodParameters("no \(method)_INPUT element")
        }
        try validateShapes(input)
        let parameters = WSManInstance.read(input)
        if Self.services.contains(className) {
            guard request.selectors.contains(where: { $0.name == "CreationClassName" && $0.value == className }) else {
                throw .invalidMethodParameters(
                    "\(className) must be addressed with the selector CreationClassName=\(className)")
            }
        }
        if let answer = try invokeLifecycle(method, request, parameters) { return answer }
        switch (className, method) {
        case ("Msvm_VirtualSystemSnapshotService", "CreateSnapshot"): return try createSnapshot(request, parameters)
        case ("Msvm_VirtualSystemSnapshotService", "ApplySnapshot"):
            return try checkpointJob(request, parameters, parameter: "Snapshot", method: method, jobType: 71) {
                .applyCheckpoint(id: $0.id)
            }
        case ("Msvm_VirtualSystemSnapshotService", "DestroySnapshot"):
            return try checkpointJob(request, parameters, parameter: "AffectedSnapshot", method: method, jobType: 72) {
                .destroyCheckpoint(id: $0.id)
            }
        case ("Msvm_VirtualSystemSnapshotService", "DestroySnapshotTree"):
            return try checkpointJob(request, parameters, parameter: "SnapshotSettingData", method: method, jobType: 72)
            { .destroyTree(id: $0.id) }
        case ("Msvm_VirtualSystemSnapshotService", "ClearSnapshotState"):
            return try checkpointJob(request, parameters, parameter: "SnapshotSettingData", method: method, jobType: 73)
            { .clearState(id: $0.id) }
        case ("Msvm_VirtualSystemManagementService", "ModifySystemSettings"):
            return modifySystemSettings(request, parameters)
        case ("Msvm_ComputerSystem", "RequestStateChange"): return try requestStateChange(request, parameters)
        case ("Msvm_ImageManagementService", "GetVirtualHardDiskSettingData"):
            return diskSettingData(request, parameters)
        case ("Msvm_ImageManagementService", "GetVirtualHardDiskState"): return diskState(request, parameters)
        default:
            throw .actionNotSupported(request.action)
        }
    }

    /// The two mistakes real hosts punish with `w:SchemaValidationError`: EPR parameters wrapped in
    /// `a:EndpointReference`, and embedded instances sent as element trees instead of escaped CIM-XML text.
    func validateShapes(_ input: XMLElement) throws(SimulatorFault) {
        for parameter in input.children {
            if parameter.child("EndpointReference", namespace: NS.addressing.uri) != nil {
                throw .schemaValidation(
                    "The WS-Management service cannot process the request because the parameter \(parameter.localName) contains an a:EndpointReference element; the schema expects a:Address and a:ReferenceParameters directly."
                )
            }
            if Self.embeddedParameters.contains(parameter.localName), !parameter.children.isEmpty {
                throw .schemaValidation(
                    "The WS-Management service cannot process the request because the embedded instance \(parameter.localName) is an element tree; send it as escaped CIM-XML text."
                )
            }
        }
    }

    func output(
        _ request: IncomingRequest, _ method: String, returnValue: Int, job: SimulatedJob? = nil,
        values: [(String, String)] = [], references: [(String, EndpointReference)] = []
    )
        -> FixtureResponse
    {
        ok(request, action: request.action + "Response") { body in
            let p = NS.resource(request.resourceURI)
            let output = body.addChild("\(method)_OUTPUT", namespace: p)
            for (name, reference) in references + (job.map { [("Job", $0.epr)] } ?? []) {
                let element = output.addChild(name, namespace: p)
                element.declare(NS.addressing)
                element.declare(NS.wsman)
                reference.write(into: element)
            }
            for (name, value) in values { output.addChild(name, namespace: p, text: value) }
            output.addChild("ReturnValue", namespace: p, text: String(returnValue))
        }
    }

    func isMerging(_ vm: SimulatedHost.VM) -> Bool { (vm.mergingUntil ?? 0) > now }

    func createSnapshot(_ request: IncomingRequest, _ parameters: WSManInstance) throws(SimulatorFault)
        -> FixtureResponse
    {
        guard let vmID = parameters.reference("AffectedSystem")?.selector("Name"), let vm = host.vm(id: vmID) else {
            throw .notFound("AffectedSystem does not identify a virtual machine on this host")
        }
        if let type = parameters.int("SnapshotType"), type != 2 {
            return output(request, "CreateSnapshot", returnValue: 32770)
        }
        guard vm.userSnapshotType != 2, !isMerging(vm), [2, 3, 6, 9].contains(vm.state) else {
            return output(request, "CreateSnapshot", returnValue: 32775)
        }
        let running = vm.state == 2
        var memory = vm.state == 6
        var failure: String?
        switch vm.userSnapshotType {
        case 5: memory = memory || running
        case 3: memory = memory || (running && !vm.guestCanQuiesce)
        default:
            if running && !vm.guestCanQuiesce {
                failure = "Could not create a production checkpoint for '\(vm.name)': the guest could not be quiesced."
            }
        }
        if host.checkpoints(ofVM: vm.id).count >= configuration.maxCheckpointsPerVM {
            failure =
                "Could not create a checkpoint for '\(vm.name)': the maximum number of checkpoints (\(configuration.maxCheckpointsPerVM)) has been reached."
        }
        let job = startJob(
            method: "CreateSnapshot", jobType: 70,
            effect: .createCheckpoint(vmID: vm.id, memory: memory, failure: failure))
        return output(request, "CreateSnapshot", returnValue: 4096, job: job)
    }

    func checkpointJob(
        _ request: IncomingRequest, _ parameters: WSManInstance, parameter: String, method: String, jobType: Int,
        effect: (SimulatedHost.Checkpoint) -> SimulatedJob.Effect
    ) throws(SimulatorFault) -> FixtureResponse {
        guard let instanceID = parameters.reference(parameter)?.selector("InstanceID") else {
            throw .invalidMethodParameters("\(parameter) must reference a Msvm_VirtualSystemSettingData by InstanceID")
        }
        let guid = instanceID.hasPrefix("Microsoft:") ? String(instanceID.dropFirst("Microsoft:".count)) : instanceID
        guard let checkpoint = host.checkpoint(id: guid), let vm = host.vm(id: checkpoint.vmID) else {
            throw .notFound("\(parameter) \(instanceID) is not a checkpoint on this host")
        }
        if isMerging(vm) { return output(request, method, returnValue: 32775) }
        if method == "ApplySnapshot" && ![3, 6].contains(vm.state) {
            return output(request, method, returnValue: 32775)  // real hosts apply only to an Off or Saved VM
        }
        let job = startJob(method: method, jobType: jobType, effect: effect(checkpoint))
        return output(request, method, returnValue: 4096, job: job)
    }

    func modifySystemSettings(_ request: IncomingRequest, _ parameters: WSManInstance) -> FixtureResponse {
        func failed(_ description: String) -> FixtureResponse {
            let job = startJob(
                method: "ModifySystemSettings", jobType: 94, effect: .fail(code: 32773, description: description))
            return output(request, "ModifySystemSettings", returnValue: 4096, job: job)
        }
        guard let text = parameters.string("SystemSettings"), let settings = try? CIMInstance.parse(cimXML: text) else {
            return failed("SystemSettings is not a CIM-XML instance.")
        }
        guard let instanceID = settings["InstanceID"] else { return failed("SystemSettings has no InstanceID.") }
        let guid = instanceID.hasPrefix("Microsoft:") ? String(instanceID.dropFirst("Microsoft:".count)) : instanceID
        if let name = settings["ElementName"], name.isEmpty || name.count > 100 {
            return failed("ElementName must be 1 to 100 characters.")
        }
        var type: Int?
        if host.vmIndex(id: guid) != nil {
            if let text = settings["UserSnapshotType"] {
                guard let value = Int(text), (2...5).contains(value) else {
                    return failed("UserSnapshotType \(text) is not valid.")
                }
                type = value
            }
        } else if host.checkpointIndex(id: guid) == nil {
            return failed("No virtual system settings with InstanceID \(instanceID).")
        }
        guard configuration.settingsDelayMilliseconds > 0 else {
            applySettings(id: guid, checkpointType: type, name: settings["ElementName"], notes: settings["Notes"])
            return output(request, "ModifySystemSettings", returnValue: 0)
        }
        let job = startJob(
            method: "ModifySystemSettings", jobType: 94,
            effect: .modifySettings(
                id: guid, checkpointType: type, name: settings["ElementName"], notes: settings["Notes"]),
            delayMilliseconds: configuration.settingsDelayMilliseconds)
        return output(request, "ModifySystemSettings", returnValue: 4096, job: job)
    }

    func applySettings(id: String, checkpointType: Int?, name: String?, notes: String? = nil) {
        if let index = host.vmIndex(id: id) {
            if let checkpointType { host.vms[index].userSnapshotType = checkpointType }
            if let notes { host.vms[index].notes = notes }
            if let name { host.vms[index].name = name }
        } else if let index = host.checkpointIndex(id: id), let name {
            host.checkpoints[index].name = name
        }
    }

    func requestStateChange(_ request: IncomingRequest, _ parameters: WSManInstance) throws(SimulatorFault)
        -> FixtureResponse
    {
        guard let vmID = request.selectors.first(where: { $0.name == "Name" })?.value, let vm = host.vm(id: vmID) else {
            throw .destinationUnreachable(
                "The WS-Management service cannot find the resource identified by the resource URI and selectors.")
        }
        guard let requested = parameters.int("RequestedState") else {
            throw .invalidMethodParameters("RequestedState is required")
        }
        // A VM in a transitional state (Starting, Shutting down, Saving, …) or whose disks merge refuses a state
        // change with 32775 until it settles (terraform-provider-hyperv api/hyperv-wsman/vm_status.go waits for a
        // stable state first; hyperv-wsman.md §6.4 for merges).
        if isMerging(vm) { return output(request, "RequestStateChange", returnValue: 32775) }
        let allowed: [Int: Set<Int>] = [2: [3, 6, 9], 3: [2, 6, 9], 6: [2, 9], 9: [2]]
        guard allowed[requested]?.contains(vm.state) == true else {
            return output(request, "RequestStateChange", returnValue: 32775)
        }
        let job = startJob(method: "RequestStateChange", jobType: 94, effect: .changeState(vmID: vm.id, to: requested))
        return output(request, "RequestStateChange", returnValue: 4096, job: job)
    }

    func diskSettingData(_ request: IncomingRequest, _ parameters: WSManInstance) -> FixtureResponse {
        guard let path = parameters.string("Path"), let file = host.file(path: path) else {
            return output(request, "GetVirtualHardDiskSettingData", returnValue: 32779)
        }
        let settings = CIMInstance(
            className: "Msvm_VirtualHardDiskSettingData",
            properties: [
                .init("BlockSize", type: "uint32", .scalar("33554432")),
                .init(
                    "ElementName", type: "string",
                    .scalar(file.path.split(separator: "\\").last.map(String.init) ?? file.path)),
                .init("Format", type: "uint16", .scalar("3")),
                .init("LogicalSectorSize", type: "uint32", .scalar("512")),
                .init("MaxInternalSize", type: "uint64", .scalar(String(file.maxInternalSize))),
                .init("ParentPath", type: "string", .scalar(file.parentPath ?? "")),
                .init("Path", type: "string", .scalar(file.path)),
                .init("PhysicalSectorSize", type: "uint32", .scalar("4096")),
                .init("Type", type: "uint16", .scalar(file.parentPath == nil ? "3" : "4")),
            ])
        return output(
            request, "GetVirtualHardDiskSettingData", returnValue: 0, values: [("SettingData", settings.cimXML)])
    }

    func diskState(_ request: IncomingRequest, _ parameters: WSManInstance) -> FixtureResponse {
        guard let path = parameters.string("Path"), let file = host.file(path: path) else {
            return output(request, "GetVirtualHardDiskState", returnValue: 32779)
        }
        let inUse = host.vms.contains {
            $0.disks.contains { $0.activePath.caseInsensitiveCompare(file.path) == .orderedSame }
        }
        let state = CIMInstance(
            className: "Msvm_VirtualHardDiskState",
            properties: [
                .init("Alignment", type: "uint32", .scalar("1")),
                .init("FileSize", type: "uint64", .scalar(String(file.fileSize))),
                .init("FragmentationPercentage", type: "uint32", .scalar("0")),
                .init("InUse", type: "boolean", .scalar(inUse ? "true" : "false")),
                .init("MinInternalSize", type: "uint64", .scalar(String(file.maxInternalSize))),
                .init("PhysicalSectorSize", type: "uint32", .scalar("4096")),
            ])
        return output(request, "GetVirtualHardDiskState", returnValue: 0, values: [("State", state.cimXML)])
    }

    /// Applies a job's effect (or its failure) at completion.
    func complete(_ job: inout SimulatedJob, at time: Double) {
        job.completedAt = time
        func fail(_ code: Int, _ description: String) {
            job.state = 10
            job.errorCode = code
            job.errorDescription = description
        }
        if let code = job.injectedErrorCode {
            fail(code, "The operation \(job.method) failed (fault injected by winrm-fixture).")
            return
        }
        switch completeLifecycle(job.effect, job: &job, at: time) {
        case .failed(let description)?: return fail(32768, description)
        case .done?:
            job.state = 7
            return
        case nil: break
        }
        switch job.effect {
        case .createCheckpoint(let vmID, let memory, let failure):
            if let failure { return fail(32768, failure) }
            guard let checkpoint = host.takeCheckpoint(vmID: vmID, memory: memory, at: time), let vm = host.vm(id: vmID)
            else {
                return fail(32768, "The virtual machine no longer exists.")
            }
            job.affected = [(host.vmEPR(vm), 0), (SimulatedHost.settingsEPR("Microsoft:\(checkpoint.id)"), 5)]
        case .applyCheckpoint(let id):
            host.applyCheckpoint(id: id)
            if let vm = host.checkpoint(id: id).flatMap({ host.vm(id: $0.vmID) }) {
                job.affected = [(host.vmEPR(vm), 0)]
            }
        case .destroyCheckpoint(let id):
            host.destroyCheckpoint(id: id, mergeUntil: time + Double(configuration.mergeDelayMilliseconds) / 1000)
        case .destroyTree(let id):
            for node in host.subtree(of: id) {
                host.destroyCheckpoint(id: node, mergeUntil: time + Double(configuration.mergeDelayMilliseconds) / 1000)
            }
        case .clearState(let id):
            if let index = host.checkpointIndex(id: id) { host.checkpoints[index].hasMemory = false }
        case .changeState(let vmID, let target):
            if let index = host.vmIndex(id: vmID) { host.vms[index].state = target }
        case .modifySettings(let id, let type, let name, let notes):
            applySettings(id: id, checkpointType: type, name: name, notes: notes)
        case .fail(let code, let description):
            return fail(code, description)
        case .destroySystem, .exportSystem, .validatePlanned, .realizePlanned:
            break  // completeLifecycle
        }
        if job.withWarnings {
            job.state = 32768
            job.errorDescription =
                "The operation completed with warnings: the guest did not acknowledge the request in time."
            return
        }
        job.state = 7
    }
}
