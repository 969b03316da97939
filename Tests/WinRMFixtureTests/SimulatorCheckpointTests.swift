import Foundation
import TestSupport
import Testing
import WSMan
import WinRMFixture
import XMLSupport

/// Checkpoint behaviour of the simulated host: jobs, AffectedJobElement, differencing chains, merges.
@Suite struct SimulatorCheckpointTests {
    func createCheckpoint(_ harness: SimulatorHarness, vm: String) async throws -> (WSManInstance, InvokeOutput) {
        let output = try await harness.client.invoke(
            service(
                snapshotService, "CreateSnapshot",
                [
                    .reference("AffectedSystem", vmEPR(vm)), .scalar("SnapshotType", "2"),
                ]))
        let job = try #require(output.job)
        return (try await harness.waitForJob(job), output)
    }

    @Test func createReturns4096AndAJobThenTheCheckpointAppears() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let before = await harness.simulator.host.vm(id: stoppedVM)!.disks.map(\.activePath)
            let (job, output) = try await createCheckpoint(harness, vm: stoppedVM)
            #expect(output.returnValue == 4096)
            #expect(output.output.reference("ResultingSnapshot") == nil)
            #expect(job.int("JobState") == 7)
            #expect(job.int("ErrorCode") == 0)
            // The new checkpoint is found through Msvm_AffectedJobElement (ElementEffects 5), only after completion.
            let rows = try await harness.client.enumerate(
                EnumerateRequest(wql: "SELECT * FROM Msvm_AffectedJobElement"))
            let created = rows.first {
                $0.ints("ElementEffects") == [5]
                    && $0.reference("AffectingElement")?.selector("InstanceID") == job.string("InstanceID")
            }
            let instanceID = try #require(created?.reference("AffectedElement")?.selector("InstanceID"))
            let host = await harness.simulator.host
            let checkpoint = try #require(host.checkpoint(id: String(instanceID.dropFirst("Microsoft:".count))))
            #expect(checkpoint.hasMemory == false)  // the VM is off
            #expect(checkpoint.diskPaths == before)
            let after = host.vm(id: stoppedVM)!.disks.map(\.activePath)
            for (old, new) in zip(before, after) {
                #expect(new.hasSuffix(".avhdx"))
                #expect(host.file(path: new)?.parentPath == old)
                let base = old.split(separator: "\\").last!.replacingOccurrences(of: ".vhdx", with: "")
                #expect(new.split(separator: "\\").last!.hasPrefix(base + "_"))
            }
            #expect(host.vm(id: stoppedVM)?.currentCheckpointID == checkpoint.id)
            #expect(checkpoint.name.hasPrefix("i-2-18-VM - ("))
        }
    }

    @Test func runningStandardCheckpointSavesMemory() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            _ = try await createCheckpoint(harness, vm: runningVM)
            let host = await harness.simulator.host
            let current = try #require(host.vm(id: runningVM)?.currentCheckpointID)
            #expect(host.checkpoint(id: current)?.hasMemory == true)
            #expect(host.checkpoint(id: current)?.parentID == "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A")
        }
    }

    @Test func productionOnlyFailsWhenTheGuestCannotQuiesce() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            await harness.simulator.mutate { host in
                host.vms[0].userSnapshotType = 4
                host.vms[0].guestCanQuiesce = false
            }
            let (job, _) = try await createCheckpoint(harness, vm: runningVM)
            #expect(job.int("JobState") == 10)
            #expect(job.int("ErrorCode") == 32768)
            #expect(await harness.simulator.host.checkpoints.count == 2)
        }
    }

    @Test func renameAndCheckpointTypeThroughModifySystemSettings() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let checkpoint = "7C1E2D3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F"
            let rename = CIMInstance(
                className: "Msvm_VirtualSystemSettingData",
                properties: [
                    .init("InstanceID", type: "string", .scalar("Microsoft:\(checkpoint)")),
                    .init("ElementName", type: "string", .scalar("a<b>&'c\"")),
                ])
            let output = try await harness.client.invoke(
                service(managementService, "ModifySystemSettings", [.embedded("SystemSettings", rename)]))
            #expect(output.returnValue == 0)
            #expect(await harness.simulator.host.checkpoint(id: checkpoint)?.name == "a<b>&'c\"")
            let type = CIMInstance(
                className: "Msvm_VirtualSystemSettingData",
                properties: [
                    .init("InstanceID", type: "string", .scalar("Microsoft:\(runningVM)")),
                    .init("UserSnapshotType", type: "uint16", .scalar("3")),
                ])
            _ = try await harness.client.invoke(
                service(managementService, "ModifySystemSettings", [.embedded("SystemSettings", type)]))
            let realized = try await harness.client.enumerate(
                EnumerateRequest(
                    wql: WQL.associators(
                        of: "Msvm_ComputerSystem",
                        keys: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", runningVM)],
                        associationClass: "Msvm_SettingsDefineState", resultClass: "Msvm_VirtualSystemSettingData")))
            #expect(realized.first?.int("UserSnapshotType") == 3)
            let tooLong = CIMInstance(
                className: "Msvm_VirtualSystemSettingData",
                properties: [
                    .init("InstanceID", type: "string", .scalar("Microsoft:\(checkpoint)")),
                    .init("ElementName", type: "string", .scalar(String(repeating: "x", count: 101))),
                ])
            let refused = try await harness.client.invoke(
                service(managementService, "ModifySystemSettings", [.embedded("SystemSettings", tooLong)]))
            let job = try await harness.waitForJob(try #require(refused.job))
            #expect(job.int("ErrorCode") == 32773)
        }
    }

    @Test func turnOffThenApplyAMemoryCheckpointLeavesTheVMSaved() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let off = try await harness.client.invoke(
                InvokeRequest(
                    resourceURI: vmResource, method: "RequestStateChange", selectors: vmEPR(runningVM).selectors,
                    parameters: [.scalar("RequestedState", "3")]))
            #expect(off.returnValue == 4096)
            _ = try await harness.waitForJob(try #require(off.job))
            let memoryCheckpoint = "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A"
            let apply = try await harness.client.invoke(
                service(snapshotService, "ApplySnapshot", [.reference("Snapshot", settingsEPR(memoryCheckpoint))]))
            #expect(apply.returnValue == 4096)
            _ = try await harness.waitForJob(try #require(apply.job))
            let host = await harness.simulator.host
            let vm = try #require(host.vm(id: runningVM))
            #expect(vm.state == 6)
            #expect(vm.currentCheckpointID == memoryCheckpoint)
            #expect(
                zip(vm.disks, host.checkpoint(id: memoryCheckpoint)!.diskPaths).allSatisfy {
                    host.file(path: $0.activePath)?.parentPath == $1
                })
        }
    }

    @Test func destroyMergesReparentsAndReportsMerging() async throws {
        let harness = try await SimulatorHarness.start { $0.mergeDelayMilliseconds = 400 }
        try await using(harness) { harness in
            let root = "7C1E2D3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F"
            let child = "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A"
            let before = await harness.simulator.host
            let childFiles = before.checkpoint(id: child)!.diskPaths
            let output = try await harness.client.invoke(
                service(snapshotService, "DestroySnapshot", [.reference("AffectedSnapshot", settingsEPR(root))]))
            _ = try await harness.waitForJob(try #require(output.job))
            let vm = try await harness.client.get(GetRequest(vmEPR(runningVM)))
            #expect(vm.ints("OperationalStatus") == [2, 32772])
            let host = await harness.simulator.host
            #expect(host.checkpoint(id: root) == nil)
            #expect(host.checkpoint(id: child)?.parentID == nil)
            // The root's child file merged into the base: the child checkpoint now points at the base .vhdx.
            let after = host.checkpoint(id: child)!.diskPaths
            #expect(after.allSatisfy { $0.hasSuffix(".vhdx") })
            #expect(childFiles.allSatisfy { host.file(path: $0) == nil })
            // During the merge a further checkpoint operation is refused (32775); afterwards it works.
            let busy = try await harness.client.invoke(
                service(snapshotService, "DestroySnapshot", [.reference("AffectedSnapshot", settingsEPR(child))]))
            #expect(busy.returnValue == 32775)
            await harness.clock.sleep(.milliseconds(450))
            let done = try await harness.client.invoke(
                service(snapshotService, "DestroySnapshot", [.reference("AffectedSnapshot", settingsEPR(child))]))
            _ = try await harness.waitForJob(try #require(done.job))
            let final = await harness.simulator.host
            #expect(final.checkpoints(ofVM: runningVM).isEmpty)
            #expect(final.vm(id: runningVM)!.disks.allSatisfy { $0.activePath.hasSuffix(".vhdx") })
        }
    }

    @Test func destroyTreeRemovesDescendants() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let output = try await harness.client.invoke(
                service(
                    snapshotService, "DestroySnapshotTree",
                    [.reference("SnapshotSettingData", settingsEPR("7C1E2D3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F"))]))
            _ = try await harness.waitForJob(try #require(output.job))
            #expect(await harness.simulator.host.checkpoints(ofVM: runningVM).isEmpty)
        }
    }

    @Test func clearSnapshotStateDropsMemory() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let id = "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A"
            let output = try await harness.client.invoke(
                service(snapshotService, "ClearSnapshotState", [.reference("SnapshotSettingData", settingsEPR(id))]))
            _ = try await harness.waitForJob(try #require(output.job))
            #expect(await harness.simulator.host.checkpoint(id: id)?.hasMemory == false)
        }
    }

    @Test func injectedJobFailureAndJobProgress() async throws {
        let harness = try await SimulatorHarness.start { $0.jobDelayMilliseconds = 300 }
        try await using(harness) { harness in
            harness.fixture.faults.inject(.failJob(method: "CreateSnapshot", errorCode: 32778))
            let (failed, _) = try await createCheckpoint(harness, vm: stoppedVM)
            #expect(failed.int("JobState") == 10)
            #expect(failed.int("ErrorCode") == 32778)
            #expect(failed.string("ErrorDescription")?.isEmpty == false)
            let output = try await harness.client.invoke(
                service(snapshotService, "CreateSnapshot", [.reference("AffectedSystem", vmEPR(stoppedVM))]))
            let running = try await harness.client.get(GetRequest(try #require(output.job)))
            #expect(running.int("JobState") == 4)
            #expect((running.int("PercentComplete") ?? 100) < 100)
            #expect(try await harness.waitForJob(try #require(output.job)).int("JobState") == 7)
        }
    }

    @Test func diskChainWalkThroughGetVirtualHardDiskSettingData() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let disks = try await harness.client.enumerate(
                EnumerateRequest(
                    wql: WQL.associators(
                        of: "Msvm_VirtualSystemSettingData", keys: [Selector("InstanceID", "Microsoft:\(runningVM)")],
                        associationClass: "Msvm_VirtualSystemSettingDataComponent",
                        resultClass: "Msvm_StorageAllocationSettingData")))
            #expect(disks.count == 2)
            var path = try #require(disks.first?.strings("HostResource").first)
            var chain = [path]
            while true {
                let output = try await harness.client.invoke(
                    service(imageService, "GetVirtualHardDiskSettingData", [.scalar("Path", path)]))
                #expect(output.returnValue == 0)
                let settings = try CIMInstance.parse(cimXML: try #require(output.output.string("SettingData")))
                guard let parent = settings["ParentPath"], !parent.isEmpty else { break }
                chain.append(parent)
                path = parent
            }
            #expect(chain.count == 3)
            #expect(chain.last?.hasSuffix("19ae8e67-cb2c-4ab4-901e-e0b864272b59.vhdx") == true)
            let state = try await harness.client.invoke(
                service(imageService, "GetVirtualHardDiskState", [.scalar("Path", chain[0])]))
            #expect(
                try CIMInstance.parse(cimXML: try #require(state.output.string("State")))["FileSize"] == String(4 << 20)
            )
            let missing = try await harness.client.invoke(
                service(imageService, "GetVirtualHardDiskSettingData", [.scalar("Path", #"Z:\none.vhdx"#)]))
            #expect(missing.returnValue == 32779)
        }
    }
}
