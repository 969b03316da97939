import CloudStack
import Foundation
import Testing
import WinRMFixture

@Suite struct CreateVMSnapshotTests {
    @Test func diskAndMemoryOnARunningVMKeepsMemoryAndAnswersEveryField() async throws {
        let harness = EngineHarness.make()
        let command = Commands.create("snap-mem", type: "DiskAndMemory")
        let (answerClass, answer) = await harness.run(CommandClass.createVMSnapshot, command)
        #expect(answerClass == "com.cloud.agent.api.CreateVMSnapshotAnswer")
        #expect(answer.result, "\(answer.details)")
        let host = await harness.simulator.host
        let created = try #require(host.checkpoints.first { $0.name == "snap-mem" })
        #expect(created.hasMemory)
        #expect(host.vm(id: runningVMID)?.currentCheckpointID == created.id)
        #expect(host.vm(id: runningVMID)?.userSnapshotType == 5)
        #expect(answer["vmSnapshotTo"] == command["target"])
        #expect(answer["wait"] != nil && answer["contextMap"] != nil)
        let sent = command["volumeTOs"]!.arrayValue!
        #expect(answer.volumes.count == sent.count)
        for (volume, original) in zip(answer.volumes, sent) {
            // Every field sent comes back; only path, size and chainInfo are ours.
            guard case .object(let members) = original else { continue }
            for (key, value) in members where !["path", "size"].contains(key) {
                #expect(volume[key] == value, "field \(key) changed")
            }
            #expect(volume["id"]?.int64Value != nil)
            let disk = try #require(
                host.vm(id: runningVMID)?.disks.first { $0.activePath.contains(original["uuid"]!.stringValue!) })
            #expect(volume["path"]?.stringValue == disk.activePath.split(separator: "\\").last.map(String.init))
            let info = try #require(volume.chainInfo)
            #expect(info["checkpointId"]?.stringValue == created.id)
            #expect(info["activeDisk"] == volume["path"])
            let chainValues = info["diskChain"]?.arrayValue ?? []
            let chain = chainValues.compactMap { $0.stringValue }
            #expect(chain.first == volume["path"]?.stringValue)
            #expect(chain.last?.hasSuffix(".vhdx") == true)
            #expect(chain == host.chain(from: disk.activePath).map { String($0.split(separator: "\\").last!) })
            let differencing = host.chain(from: disk.activePath).dropLast().compactMap { host.file(path: $0)?.fileSize }
                .reduce(0, +)
            let memory =
                original["volumeType"]?.stringValue == "ROOT"
                ? Int64(host.checkpoints(ofVM: runningVMID).filter(\.hasMemory).count) * 2048 << 20 : 0
            #expect(volume["size"]?.int64Value == differencing + memory)
        }
    }

    @Test func diskWithoutQuiesceOnARunningVMIsCrashConsistent() async throws {
        let harness = EngineHarness.make()
        let answer = await harness.create(Commands.create("snap-crash", quiesce: false))
        #expect(answer.result, "\(answer.details)")
        #expect(answer.details.contains("crash-consistent"))
        let host = await harness.simulator.host
        #expect(host.checkpoints.first { $0.name == "snap-crash" }?.hasMemory == false)
        #expect(host.vm(id: runningVMID)?.userSnapshotType == 5)
        #expect(await harness.simulator.invocations.contains("ClearSnapshotState"))
    }

    @Test func quiescedDiskIsAProductionCheckpointAndTheTypeIsRestored() async throws {
        let harness = EngineHarness.make()
        let answer = await harness.create(Commands.create("snap-app"))
        #expect(answer.result)
        #expect(answer.details.contains("application-consistent"))
        let host = await harness.simulator.host
        #expect(host.checkpoints.first { $0.name == "snap-app" }?.hasMemory == false)
        #expect(host.checkpoints.first { $0.name == "snap-app" }?.userSnapshotType == 4)
        #expect(host.vm(id: runningVMID)?.userSnapshotType == 5)
    }

    @Test func guestThatCannotQuiesceFallsBackOrFailsPerConfiguration() async throws {
        var host = SimulatedHost.defaultInventory()
        host.vms[0].guestCanQuiesce = false
        let fallback = EngineHarness.make(host: host)
        let answer = await fallback.create(Commands.create("snap-fallback"))
        #expect(answer.result)
        #expect(answer.details.contains("could not be quiesced"))
        #expect(await fallback.simulator.host.checkpoints.first { $0.name == "snap-fallback" }?.hasMemory == false)
        #expect(await fallback.simulator.host.vm(id: runningVMID)?.userSnapshotType == 5)

        let strict = EngineHarness.make(host: host, fallback: .fail)
        let refused = await strict.create(Commands.create("snap-strict"))
        #expect(!refused.result)
        #expect(refused.details.contains("hyperv.quiesce_fallback = fail"))
        #expect(await strict.simulator.host.checkpoints.count == 2)
        #expect(await strict.simulator.host.vm(id: runningVMID)?.userSnapshotType == 5)
    }

    @Test func stoppedVMTakesADiskCheckpointAndRefusesMemory() async throws {
        let harness = EngineHarness.make()
        let answer = await harness.create(Commands.create(vm: "i-2-18-VM", "off-disk"))
        #expect(answer.result, "\(answer.details)")
        #expect(answer.volumes.allSatisfy { $0["path"]?.stringValue?.hasSuffix(".avhdx") == true })
        let refused = await harness.create(Commands.create(vm: "i-2-18-VM", "off-mem", type: "DiskAndMemory"))
        #expect(!refused.result)
        #expect(refused.details.contains("needs a running VM"))
        #expect(refused.volumes.isEmpty)
    }

    @Test func reSentCreateReturnsTheExistingCheckpoint() async throws {
        let harness = EngineHarness.make()
        let first = await harness.create(Commands.create("twice"))
        let second = await harness.create(Commands.create("twice"))
        #expect(first.result && second.result)
        #expect(second.details.contains("already exists"))
        #expect(await harness.simulator.host.checkpoints.filter { $0.name == "twice" }.count == 1)
        #expect(first.volumes.map { $0["path"] } == second.volumes.map { $0["path"] })
    }

    @Test func disabledCheckpointsAndTheLimitAreClearErrors() async throws {
        var disabled = SimulatedHost.defaultInventory()
        disabled.vms[1].userSnapshotType = 2
        let harness = EngineHarness.make(host: disabled)
        let answer = await harness.create(Commands.create(vm: "i-2-18-VM", "x"))
        #expect(!answer.result)
        #expect(answer.details.contains("UserSnapshotType = Disabled"))

        var full = SimulatedHost.defaultInventory()
        for index in 0..<49 { full.takeCheckpoint(vmID: stoppedVMID, name: "c\(index)", memory: false, at: 0) }
        let limited = EngineHarness.make(host: full)
        #expect(await limited.create(Commands.create(vm: "i-2-18-VM", "c49")).result)
        let over = await limited.create(Commands.create(vm: "i-2-18-VM", "c50-over"))
        #expect(over.result == false && over.details.contains("limit is 50"))
    }

    @Test func unknownVMAndOddNames() async throws {
        var host = SimulatedHost.defaultInventory()
        host.addVM(name: #"it's\a "vm""#, state: 3, disks: [(#"D:\VMs\odd.vhdx"#, 1 << 30)])
        host.addVM(name: "i-2-17-vm", state: 3, disks: [(#"D:\VMs\case.vhdx"#, 1 << 30)])
        let harness = EngineHarness.make(host: host)
        let odd = await harness.create(Commands.create(vm: #"it's\a "vm""#, #"snap 'quoted' \ <&>"#))
        #expect(odd.result, "\(odd.details)")
        #expect(await harness.simulator.host.checkpoints.contains { $0.name == #"snap 'quoted' \ <&>"# })
        let missing = await harness.create(Commands.create(vm: "i-9-99-VM", "x"))
        #expect(!missing.result)
        #expect(missing.details.contains("VM i-9-99-VM was not found"))
        // WQL matches case-insensitively; the agent insists on the exact name.
        let exact = await harness.create(Commands.create("exact-case", quiesce: false))
        #expect(exact.result)
        #expect(await harness.simulator.host.checkpoints(ofVM: runningVMID).contains { $0.name == "exact-case" })
    }

    @Test func failedJobReportsHyperVsCodeAndText() async throws {
        let harness = EngineHarness.make()
        harness.faults.inject(.failJob(method: "CreateSnapshot", errorCode: 32778))
        let answer = await harness.create(Commands.create(vm: "i-2-18-VM", "oom"))
        #expect(!answer.result)
        #expect(answer.details.contains("32778 (Out Of Memory)"))
        #expect(answer.details.contains("i-2-18-VM"))
    }
}
