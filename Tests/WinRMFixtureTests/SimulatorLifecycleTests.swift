import Foundation
import TestSupport
import Testing
import WSMan
import WinRMFixture

/// The whole-VM methods CloudStack's stop/start preservation needs (DESIGN §10), as Microsoft documents them,
/// over loopback through libcurl: guest shutdown, DestroySystem, configuration-only export, and the planned-VM import
/// (ImportSystemDefinition → ImportSnapshotDefinitions → ValidatePlannedSystem → RealizePlannedSystem), on one host
/// and across two hosts over one shared storage.
@Suite struct SimulatorLifecycleTests {
    static let exportRoot = #"C:\ClusterStorage\Volume1\hyperv-agent-export"#

    func exportSettings(checkpoints: Int = 0, copyStorage: Bool = false) -> CIMInstance {
        CIMInstance(
            className: "Msvm_VirtualSystemExportSettingData",
            properties: [
                .init("CopySnapshotConfiguration", type: "uint8", .scalar(String(checkpoints))),
                .init("CopyVmRuntimeInformation", type: "boolean", .scalar("false")),
                .init("CopyVmStorage", type: "boolean", .scalar(copyStorage ? "true" : "false")),
                .init("CreateVmExportSubdirectory", type: "boolean", .scalar("true")),
            ])
    }

    func invoke(_ harness: SimulatorHarness, _ method: String, _ parameters: [InvokeParameter]) async throws
        -> InvokeOutput
    {
        try await harness.client.invoke(service(managementService, method, parameters))
    }

    /// Runs a method that starts a job and returns the finished job.
    func job(_ harness: SimulatorHarness, _ method: String, _ parameters: [InvokeParameter]) async throws
        -> WSManInstance
    {
        let output = try await invoke(harness, method, parameters)
        #expect(output.returnValue == 4096, "\(method)")
        return try await harness.waitForJob(try #require(output.job))
    }

    func turnOff(_ harness: SimulatorHarness, _ vm: String) async throws {
        let output = try await harness.client.invoke(
            InvokeRequest(
                resourceURI: vmResource, method: "RequestStateChange",
                selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", vm)],
                parameters: [.scalar("RequestedState", "3")]))
        if let job = output.job { _ = try await harness.waitForJob(job) }
    }

    @Test func guestShutdownThroughTheShutdownComponent() async throws {
        var host = SimulatedHost.defaultInventory()
        host.vms[1].state = 2
        host.vms[1].guestShutdown = "ignores"
        let harness = try await SimulatorHarness.start(host: host) { $0.jobDelayMilliseconds = 500 }
        try await using(harness) { harness in
            let components = try await harness.client.enumerate(
                EnumerateRequest(wql: "SELECT * FROM Msvm_ShutdownComponent WHERE SystemName = '\(runningVM)'"))
            #expect(components.count == 1)
            let component = EndpointReference(
                resourceURI: ResourceURI.v2("Msvm_ShutdownComponent"),
                selectors: ["CreationClassName", "DeviceID", "SystemCreationClassName", "SystemName"].map {
                    Selector($0, components[0].string($0) ?? "")
                })
            let shutdown = InvokeRequest(
                resourceURI: component.resourceURI, method: "InitiateShutdown", selectors: component.selectors,
                parameters: [.scalar("Force", "false"), .scalar("Reason", "CloudStack stop")])
            #expect(try await harness.client.invoke(shutdown).returnValue == 0)
            #expect(await harness.simulator.host.vm(id: runningVM)?.state == 4)  // shutting down
            await harness.clock.sleep(.milliseconds(600))
            let after = try await harness.client.get(GetRequest(vmEPR(runningVM)))
            #expect(after.int("EnabledState") == 3)
            // A stopped VM has no component; a hung guest accepts and never stops.
            #expect(
                try await harness.client.enumerate(
                    EnumerateRequest(wql: "SELECT * FROM Msvm_ShutdownComponent WHERE SystemName = '\(runningVM)'")
                ).isEmpty)
            var hung = shutdown
            hung.selectors = hung.selectors.map { $0.name == "SystemName" ? Selector("SystemName", stoppedVM) : $0 }
                .map {
                    $0.name == "DeviceID"
                        ? Selector("DeviceID", "Microsoft:\(stoppedVM)\\9F8233AC-BE49-4C79-8EE3-E7E1985B2077") : $0
                }
            #expect(try await harness.client.invoke(hung).returnValue == 0)
            await harness.clock.sleep(.milliseconds(600))
            #expect(await harness.simulator.host.vm(id: stoppedVM)?.state == 2)
        }
    }

    @Test func destroySystemKeepsEveryFile() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let running = try await invoke(harness, "DestroySystem", [.reference("AffectedSystem", vmEPR(runningVM))])
            #expect(running.returnValue == 32775, "a running VM cannot be destroyed")
            try await turnOff(harness, runningVM)
            let filesBefore = await harness.simulator.host.files
            let finished = try await job(harness, "DestroySystem", [.reference("AffectedSystem", vmEPR(runningVM))])
            #expect(finished.int("JobState") == 7)
            let host = await harness.simulator.host
            #expect(host.vm(id: runningVM) == nil)
            #expect(host.checkpoints(ofVM: runningVM).isEmpty)
            #expect(host.files == filesBefore)
        }
    }

    @Test func exportDestroyImportKeepsIdTreeAndCurrentCheckpoint() async throws {
        let storage = SharedStorage()
        let harness = try await SimulatorHarness.start { $0.storage = storage }
        try await using(harness) { harness in
            let running = try await invoke(
                harness, "ExportSystemDefinition",
                [
                    .reference("ComputerSystem", vmEPR(runningVM)), .scalar("ExportDirectory", Self.exportRoot),
                    .embedded("ExportSettingData", exportSettings()),
                ])
            #expect(running.returnValue == 32775, "Export needs the VM off or saved")
            try await turnOff(harness, runningVM)
            // Notes, as the agent marks a preserved VM.
            let notes = CIMInstance(
                className: "Msvm_VirtualSystemSettingData",
                properties: [
                    .init("InstanceID", type: "string", .scalar("Microsoft:\(runningVM)")),
                    .init("Notes", type: "string", .array(["hyperv-agent: preserved across stop"])),
                ])
            #expect(
                try await invoke(harness, "ModifySystemSettings", [.embedded("SystemSettings", notes)]).returnValue
                    == 0)
            let settings = try await harness.client.get(GetRequest(settingsEPR(runningVM)))
            #expect(settings.string("Notes") == "hyperv-agent: preserved across stop")

            let before = await harness.simulator.host
            let exported = try await job(
                harness, "ExportSystemDefinition",
                [
                    .reference("ComputerSystem", vmEPR(runningVM)), .scalar("ExportDirectory", Self.exportRoot),
                    .embedded("ExportSettingData", exportSettings()),
                ])
            #expect(exported.int("JobState") == 7)
            let definition = "\(Self.exportRoot)\\i-2-17-VM\\Virtual Machines\\\(runningVM).vmcx"
            #expect(storage.exports.map(\.definitionFile) == [definition])
            // Another host finds it with a root/cimv2 file query.
            let found = try await harness.client.enumerate(
                EnumerateRequest(
                    wql: "SELECT * FROM CIM_DataFile WHERE Extension = 'vmcx'", resourceURI: ResourceURI.cimv2Wildcard))
            #expect(found.compactMap { $0.string("Name") } == [definition.lowercased()])

            _ = try await job(harness, "DestroySystem", [.reference("AffectedSystem", vmEPR(runningVM))])
            let imported = try await invoke(
                harness, "ImportSystemDefinition",
                [
                    .scalar("SystemDefinitionFile", definition),
                    .scalar("SnapshotFolder", "\(Self.exportRoot)\\i-2-17-VM\\Snapshots"),
                    .scalar("GenerateNewSystemIdentifier", "false"),
                ])
            #expect(imported.returnValue == 0)
            let planned = try #require(imported.output.reference("ImportedSystem"))
            #expect(planned.selector("Name") == runningVM)
            // Checkpoints not imported yet: validation fails and says why.
            let early = try await job(harness, "ValidatePlannedSystem", [.reference("PlannedSystem", planned)])
            #expect(early.int("JobState") == 10)
            #expect(early.string("ErrorDescription")?.contains("checkpoints that were not imported") == true)
            let snapshots = try await invoke(
                harness, "ImportSnapshotDefinitions",
                [
                    .reference("PlannedSystem", planned),
                    .scalar("SnapshotFolder", "\(Self.exportRoot)\\i-2-17-VM\\Snapshots"),
                ])
            #expect(snapshots.returnValue == 0)
            #expect(try await job(harness, "ValidatePlannedSystem", [.reference("PlannedSystem", planned)])
                .int("JobState") == 7)
            #expect(try await job(harness, "RealizePlannedSystem", [.reference("PlannedSystem", planned)])
                .int("JobState") == 7)

            let after = await harness.simulator.host
            let vm = try #require(after.vm(id: runningVM))
            let original = try #require(before.vm(id: runningVM))
            #expect(vm.currentCheckpointID == original.currentCheckpointID)
            #expect(vm.notes == "hyperv-agent: preserved across stop")
            #expect(vm.disks == original.disks)
            #expect(vm.state == 3)
            #expect(after.checkpoints(ofVM: runningVM) == before.checkpoints(ofVM: runningVM))
            #expect(after.planned?.isEmpty ?? true)
            // A second register-in-place import of the same id is refused while it is registered.
            let again = try await invoke(
                harness, "ImportSystemDefinition",
                [.scalar("SystemDefinitionFile", definition), .scalar("GenerateNewSystemIdentifier", "false")])
            #expect(again.returnValue == 32768)
        }
    }

    @Test func aSecondHostImportsFromSharedStorage() async throws {
        let storage = SharedStorage()
        let first = try await SimulatorHarness.start { $0.storage = storage }
        try await using(first) { first in
            var empty = SimulatedHost()
            empty.hostName = "HV-SECOND"
            let second = try await SimulatorHarness.start(host: empty) { $0.storage = storage }
            try await using(second) { second in
                try await turnOff(first, runningVM)
                _ = try await job(
                    first, "ExportSystemDefinition",
                    [
                        .reference("ComputerSystem", vmEPR(runningVM)), .scalar("ExportDirectory", Self.exportRoot),
                        .embedded("ExportSettingData", exportSettings()),
                    ])
                let definition = try #require(storage.exports.first?.definitionFile)
                let imported = try await invoke(
                    second, "ImportSystemDefinition",
                    [.scalar("SystemDefinitionFile", definition), .scalar("GenerateNewSystemIdentifier", "false")])
                let planned = try #require(imported.output.reference("ImportedSystem"))
                _ = try await invoke(
                    second, "ImportSnapshotDefinitions",
                    [.reference("PlannedSystem", planned), .scalar("SnapshotFolder", definition)])
                #expect(try await job(second, "RealizePlannedSystem", [.reference("PlannedSystem", planned)])
                    .int("JobState") == 7)
                let host = await second.simulator.host
                let vm = try #require(host.vm(id: runningVM))
                // The disks' chains came along as the files on the shared storage they are.
                for disk in vm.disks { #expect(host.chain(from: disk.activePath).count >= 2) }
                #expect(host.checkpoints(ofVM: runningVM).count == 2)
                // The first host still has its (stale) copy: destroying it keeps the files.
                #expect(await first.simulator.host.vm(id: runningVM) != nil)
            }
        }
    }

    @Test func unreachableStorageFailsTheExportAndTheImport() async throws {
        let storage = SharedStorage()
        let harness = try await SimulatorHarness.start { $0.storage = storage }
        try await using(harness) { harness in
            try await turnOff(harness, runningVM)
            storage.setUnreachable(#"C:\ClusterStorage\Volume1"#)
            let failed = try await job(
                harness, "ExportSystemDefinition",
                [
                    .reference("ComputerSystem", vmEPR(runningVM)), .scalar("ExportDirectory", Self.exportRoot),
                    .embedded("ExportSettingData", exportSettings()),
                ])
            #expect(failed.int("JobState") == 10)
            #expect(failed.string("ErrorDescription")?.contains("cannot find the path specified") == true)
            #expect(storage.exports.isEmpty)
            storage.setUnreachable(#"C:\ClusterStorage\Volume1"#, false)
            _ = try await job(
                harness, "ExportSystemDefinition",
                [
                    .reference("ComputerSystem", vmEPR(runningVM)), .scalar("ExportDirectory", Self.exportRoot),
                    .embedded("ExportSettingData", exportSettings()),
                ])
            storage.setUnreachable(Self.exportRoot)
            let imported = try await invoke(
                harness, "ImportSystemDefinition",
                [
                    .scalar("SystemDefinitionFile", try #require(storage.exports.first?.definitionFile)),
                    .scalar("GenerateNewSystemIdentifier", "true"),
                ])
            #expect(imported.returnValue == 32779, "file not found")
            // Storage copies are outside what the simulator does: said so, not faked.
            storage.setUnreachable(Self.exportRoot, false)
            let copy = try await job(
                harness, "ExportSystemDefinition",
                [
                    .reference("ComputerSystem", vmEPR(runningVM)), .scalar("ExportDirectory", Self.exportRoot),
                    .embedded("ExportSettingData", exportSettings(copyStorage: true)),
                ])
            #expect(copy.int("JobState") == 10)
        }
    }
}
