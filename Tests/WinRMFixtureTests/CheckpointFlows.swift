import Foundation
import WSMan
import WinRMFixture

/// Scripted WS-Man conversations used to record, ship and replay transcripts. Each returns what it observed,
/// so a replayed run can be compared with the recorded one.
enum CheckpointFlows {
    static let all: [(name: String, run: @Sendable (WSManClient) async throws -> [String])] = [
        ("create-running-vm", createOnRunningVM),
        ("create-stopped-vm", createOnStoppedVM),
        ("revert-stopped-vm", revertStoppedVM),
        ("delete-checkpoint", deleteCheckpoint),
        ("failed-job", failedJob),
        ("wql-fault", wqlFault),
    ]

    static func findVM(_ client: WSManClient, _ name: String) async throws -> WSManInstance {
        let vms = try await client.enumerate(
            EnumerateRequest(wql: WQL.select(from: "Msvm_ComputerSystem", where: [("ElementName", name)])))
        guard vms.count == 1, let vm = vms.first else {
            throw TranscriptError(message: "VM \(name) not found exactly once")
        }
        return vm
    }

    static func create(_ client: WSManClient, vm: WSManInstance, name: String) async throws -> [String] {
        let vmID = vm.string("Name") ?? ""
        let output = try await client.invoke(
            service(snapshotService, "CreateSnapshot", [.reference("AffectedSystem", vmEPR(vmID))]))
        guard let jobEPR = output.job else { return ["CreateSnapshot \(output.returnValue ?? -1)"] }
        let job = try await client.waitForJob(jobEPR)
        var seen = [
            "CreateSnapshot \(output.returnValue ?? -1)",
            "job \(job.int("JobState") ?? -1) \(job.int("ErrorCode") ?? -1)",
        ]
        guard job.int("JobState") == 7 else { return seen }
        let rows = try await client.enumerate(
            EnumerateRequest(
                wql: WQL.associators(
                    of: "Msvm_ConcreteJob", keys: [Selector("InstanceID", job.string("InstanceID") ?? "")],
                    associationClass: "Msvm_AffectedJobElement", resultClass: "Msvm_VirtualSystemSettingData")))
        guard let created = rows.first, let instanceID = created.string("InstanceID") else {
            return seen + ["no checkpoint"]
        }
        let rename = CIMInstance(
            className: "Msvm_VirtualSystemSettingData",
            properties: [
                .init("InstanceID", type: "string", .scalar(instanceID)),
                .init("ElementName", type: "string", .scalar(name)),
            ])
        let renamed = try await client.invoke(
            service(managementService, "ModifySystemSettings", [.embedded("SystemSettings", rename)]))
        seen.append("memory \(created.string("IsSaved") ?? "?")")
        seen.append("rename \(renamed.returnValue ?? -1)")
        return seen
    }

    @Sendable static func createOnRunningVM(_ client: WSManClient) async throws -> [String] {
        try await create(client, vm: try await findVM(client, "i-2-17-VM"), name: "i-2-17-VM_VS_20261127120000")
    }

    @Sendable static func createOnStoppedVM(_ client: WSManClient) async throws -> [String] {
        try await create(client, vm: try await findVM(client, "i-2-18-VM"), name: "i-2-18-VM_VS_20261127120000")
    }

    static func checkpoints(_ client: WSManClient, vmID: String) async throws -> [WSManInstance] {
        try await client.enumerate(
            EnumerateRequest(
                wql: WQL.associators(
                    of: "Msvm_ComputerSystem",
                    keys: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", vmID)],
                    associationClass: "Msvm_SnapshotOfVirtualSystem", resultClass: "Msvm_VirtualSystemSettingData")))
    }

    @Sendable static func revertStoppedVM(_ client: WSManClient) async throws -> [String] {
        let vm = try await findVM(client, "i-2-17-VM")
        let vmID = vm.string("Name") ?? ""
        var seen: [String] = []
        if vm.int("EnabledState") == 2 {
            let off = try await client.invoke(
                InvokeRequest(
                    resourceURI: vmResource, method: "RequestStateChange", selectors: vmEPR(vmID).selectors,
                    parameters: [.scalar("RequestedState", "3")]))
            if let job = off.job { seen.append("off \(try await client.waitForJob(job).int("JobState") ?? -1)") }
        }
        let target = try await checkpoints(client, vmID: vmID).first {
            $0.string("ElementName") == "i-2-17-VM_VS_20261127101500"
        }
        guard let instanceID = target?.string("InstanceID") else { return seen + ["missing"] }
        let apply = try await client.invoke(
            service(
                snapshotService, "ApplySnapshot",
                [
                    .reference(
                        "Snapshot",
                        EndpointReference(
                            resourceURI: ResourceURI.v2("Msvm_VirtualSystemSettingData"),
                            selectors: [Selector("InstanceID", instanceID)]))
                ]))
        if let job = apply.job { seen.append("apply \(try await client.waitForJob(job).int("JobState") ?? -1)") }
        let after = try await client.get(GetRequest(vmEPR(vmID)))
        return seen + ["state \(after.int("EnabledState") ?? -1)"]
    }

    @Sendable static func deleteCheckpoint(_ client: WSManClient) async throws -> [String] {
        let vmID = try await findVM(client, "i-2-17-VM").string("Name") ?? ""
        let target = try await checkpoints(client, vmID: vmID).first {
            $0.string("ElementName") == "i-2-17-VM_VS_20261127101500"
        }
        guard let instanceID = target?.string("InstanceID") else { return ["missing"] }
        let destroy = try await client.invoke(
            service(
                snapshotService, "DestroySnapshot",
                [
                    .reference(
                        "AffectedSnapshot",
                        EndpointReference(
                            resourceURI: ResourceURI.v2("Msvm_VirtualSystemSettingData"),
                            selectors: [Selector("InstanceID", instanceID)]))
                ]))
        guard let job = destroy.job else { return ["destroy \(destroy.returnValue ?? -1)"] }
        let remaining = try await checkpoints(client, vmID: vmID).compactMap { $0.string("ElementName") }
        return ["destroy \(try await client.waitForJob(job).int("JobState") ?? -1)", "left \(remaining.sorted())"]
    }

    @Sendable static func failedJob(_ client: WSManClient) async throws -> [String] {
        try await create(client, vm: try await findVM(client, "i-2-18-VM"), name: "never")
    }

    @Sendable static func wqlFault(_ client: WSManClient) async throws -> [String] {
        do {
            _ = try await client.enumerate(
                EnumerateRequest(wql: "SELECT * FROM Msvm_ComputerSystem", resourceURI: vmResource))
            return ["no fault"]
        } catch {
            return ["\(error.code) \(error.fault?.subcode ?? "")"]
        }
    }
}
