import Checkpoints
import CloudStack
import Foundation
import HyperV
import Logging
import TestSupport
import Testing
import WSMan
import WinRMFixture

@testable import CloudStackExtension

/// Every action through the runner onto the checkpoint service, over the in-memory simulator on a virtual clock.
@Suite struct ExtensionActionTests {
    static let running = "i-2-17-VM"
    static let runningID = "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F"
    static let stopped = "i-2-18-VM"

    struct Harness {
        let simulator: HyperVSimulator
        let runner: ExtensionRunner
        let stateDirectory: String
        let clock: ManualClock

        init(
            jobDelayMilliseconds: Int = 0, timeout: Duration? = nil, simulator existing: HyperVSimulator? = nil,
            stateDirectory: String? = nil, clock: ManualClock = .autoAdvancing()
        ) {
            self.clock = clock
            var configuration = HyperVSimulator.Configuration()
            configuration.clock = clock.epochSeconds
            configuration.jobDelayMilliseconds = jobDelayMilliseconds
            simulator = existing ?? HyperVSimulator(configuration: configuration)
            self.stateDirectory =
                stateDirectory
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("ext-\(UUID().uuidString)").path
            var logger = Logger(label: "test-extension")
            logger.logLevel = .critical
            let service = CheckpointService(
                client: WSManClient(transport: InMemoryTransport(responder: simulator)),
                settings: CheckpointService.Settings(stateDirectory: self.stateDirectory), clock: clock.hostClock,
                logger: logger)
            runner = ExtensionRunner(context: ExtensionContext(service: service, timeout: timeout), logger: logger)
        }

        func run(
            _ action: ExtensionAction, vm: String? = ExtensionActionTests.running, _ parameters: [String: Any]? = nil
        )
            async throws -> (output: ExtensionOutput, json: JSONValue)
        {
            var builder = PayloadBuilder(url: "127.0.0.1")
            builder.vmName = vm
            builder.parameters = parameters
            let payload = try ExtensionPayload(json: Array(try builder.json().utf8))
            let output = await runner.run(action, payload: payload)
            let (text, _) = output.rendered()
            return (output, try JSONParser.parse(Array(text.utf8)))
        }

        func checkpointNames(_ vmID: String = ExtensionActionTests.runningID) async -> [String] {
            await simulator.host.checkpoints(ofVM: vmID).map(\.name)
        }
    }

    static let hostileName = #"a"$(reboot)'b; rm -rf / `id` %PATH% & | < > \ ${env:X} @(1) 日本"#

    @Test func createStoresHostileNamesVerbatimAndIsIdempotent() async throws {
        let harness = Harness()
        let first = try await harness.run(.createSnapshot, ["snapshot_name": Self.hostileName])
        #expect(first.output.succeeded, "\(first.json)")
        #expect(first.json["consistency"]?.stringValue == "application-consistent")
        #expect(await harness.checkpointNames().filter { $0 == Self.hostileName }.count == 1)
        let again = try await harness.run(.createSnapshot, ["snapshot_name": Self.hostileName])
        #expect(again.output.succeeded)
        #expect(again.json["message"]?.stringValue?.contains("already exists") == true)
        #expect(again.json["snapshot_id"] == first.json["snapshot_id"])
        #expect(await harness.checkpointNames().filter { $0 == Self.hostileName }.count == 1)
    }

    @Test func createHonoursMemoryAndQuiesceParameters() async throws {
        let harness = Harness()
        let memory = try await harness.run(.createSnapshot, ["snapshot_name": "with-ram", "snapshot_memory": "true"])
        #expect(memory.json["consistency"]?.stringValue == "with-memory", "\(memory.json)")
        let crash = try await harness.run(.createSnapshot, ["snapshot_name": "crash", "quiesce": false])
        #expect(crash.json["consistency"]?.stringValue == "crash-consistent")
        let checkpoints = await harness.simulator.host.checkpoints(ofVM: Self.runningID)
        #expect(checkpoints.first { $0.name == "with-ram" }?.hasMemory == true)
        #expect(checkpoints.first { $0.name == "crash" }?.hasMemory == false)
    }

    @Test func createFailuresAreCleanErrors() async throws {
        let harness = Harness()
        let memoryOfStopped = try await harness.run(
            .createSnapshot, vm: Self.stopped, ["snapshot_name": "x", "snapshot_memory": true])
        #expect(!memoryOfStopped.output.succeeded)
        #expect(memoryOfStopped.json["status"]?.stringValue == "error")
        #expect(memoryOfStopped.json["error"]?.stringValue?.contains(Self.stopped) == true)
        let noName = try await harness.run(.createSnapshot, [:])
        #expect(noName.json["error"]?.stringValue?.contains("snapshot_name") == true)
        let noVM = try await harness.run(.createSnapshot, vm: "i-9-99-VM", ["snapshot_name": "x"])
        #expect(noVM.json["error"]?.stringValue?.contains("i-9-99-VM") == true)
        let badFlag = try await harness.run(.createSnapshot, ["snapshot_name": "x", "quiesce": "maybe"])
        #expect(badFlag.json["error"]?.stringValue?.contains("quiesce") == true)
    }

    @Test func restoreEndsRunningOnlyForMemorySnapshots() async throws {
        let harness = Harness()
        _ = try await harness.run(.createSnapshot, ["snapshot_name": "disk", "quiesce": false])
        _ = try await harness.run(.createSnapshot, ["snapshot_name": "ram", "snapshot_memory": true])
        let toDisk = try await harness.run(.restoreSnapshot, ["snapshot_name": "disk"])
        #expect(toDisk.json["power_state"]?.stringValue == "poweroff", "\(toDisk.json)")
        #expect(await harness.simulator.host.vm(id: Self.runningID)?.state == 3)
        let toMemory = try await harness.run(.restoreSnapshot, ["snapshot_name": "ram"])
        #expect(toMemory.json["power_state"]?.stringValue == "poweron", "\(toMemory.json)")
        #expect(await harness.simulator.host.vm(id: Self.runningID)?.state == 2)
        let missing = try await harness.run(.restoreSnapshot, ["snapshot_name": "never-taken"])
        #expect(!missing.output.succeeded)
        #expect(missing.json["error"]?.stringValue?.contains("never-taken") == true)
    }

    @Test func deleteOfAnAbsentSnapshotSucceeds() async throws {
        let harness = Harness()
        _ = try await harness.run(.createSnapshot, ["snapshot_name": Self.hostileName])
        let deleted = try await harness.run(.deleteSnapshot, ["snapshot_name": Self.hostileName])
        #expect(deleted.output.succeeded)
        #expect(!(await harness.checkpointNames()).contains(Self.hostileName))
        let again = try await harness.run(.deleteSnapshot, ["snapshot_name": Self.hostileName])
        #expect(again.output.succeeded)
        #expect(again.json["message"]?.stringValue?.contains("already absent") == true)
    }

    @Test func listingsAreAlwaysArrays() async throws {
        let harness = Harness()
        let none = try await harness.run(.listSnapshots, vm: Self.stopped)
        #expect(none.json["message"] == .array([]), "\(none.json)")
        #expect(none.json["printmessage"]?.stringValue == "true")
        _ = try await harness.run(.createSnapshot, vm: Self.stopped, ["snapshot_name": "only"])
        let one = try await harness.run(.listSnapshots, vm: Self.stopped)
        let items = try #require(one.json["message"]?.arrayValue)
        #expect(items.count == 1)
        #expect(items[0]["name"]?.stringValue == "only")
        #expect(items[0]["current"]?.boolValue == true)
        #expect(items[0]["parent"] == .null)
        let tree = try await harness.run(.listSnapshots)
        let names = try #require(tree.json["message"]?.arrayValue).compactMap { $0["name"]?.stringValue }
        #expect(Set(names) == Set(await harness.checkpointNames()))
    }

    @Test func statusAndStatuses() async throws {
        let harness = Harness()
        #expect(try await harness.run(.status).json["power_state"]?.stringValue == "poweron")
        #expect(try await harness.run(.status, vm: Self.stopped).json["power_state"]?.stringValue == "poweroff")
        let elsewhere = try await harness.run(.status, vm: "i-9-99-VM")
        #expect(elsewhere.output.succeeded)
        #expect(elsewhere.json["power_state"]?.stringValue == "unknown")
        let all = try await harness.run(.statuses, vm: nil)
        #expect(
            all.json["power_state"]
                == .object([(Self.running, .string("poweron")), (Self.stopped, .string("poweroff"))]))
    }

    @Test(arguments: [
        (2, "poweron"), (3, "poweroff"), (6, "poweroff"), (9, "poweron"), (32768, "poweron"), (32769, "poweroff"),
        (4, "unknown"), (32770, "unknown"), (10, "unknown"),
    ])
    func powerStates(enabledState: Int, word: String) {
        #expect(PowerState(VirtualMachine(name: "v", id: "x", enabledState: enabledState)).rawValue == word)
    }

    /// A job slower than the time left: the run answers with an error, the job keeps running and is journaled, and
    /// the next run of the same action adopts its checkpoint instead of taking a second one.
    @Test func aTimedOutCreateIsAdoptedByTheNextRun() async throws {
        let short = Harness(jobDelayMilliseconds: 30_000, timeout: .seconds(5))
        let first = try await short.run(.createSnapshot, ["snapshot_name": "slow", "quiesce": false])
        #expect(!first.output.succeeded)
        #expect(
            first.json["error"]?.stringValue?.contains("sending the same request again adopts") == true, "\(first.json)"
        )
        #expect(FileManager.default.fileExists(atPath: short.stateDirectory + "/journal/\(Self.runningID).json"))
        let patient = Harness(
            simulator: short.simulator, stateDirectory: short.stateDirectory, clock: short.clock)
        let second = try await patient.run(.createSnapshot, ["snapshot_name": "slow", "quiesce": false])
        #expect(second.output.succeeded, "\(second.json)")
        let checkpoints = await short.simulator.host.checkpoints(ofVM: Self.runningID)
        #expect(checkpoints.filter { $0.name == "slow" }.count == 1)
        #expect(
            checkpoints.count == 3,
            "the two checkpoints of the default inventory and the adopted one, nothing else: \(checkpoints.map(\.name))"
        )
        #expect(
            checkpoints.first { $0.name == "slow" }?.hasMemory == false,
            "the crash-consistent plan is finished: memory dropped")
        #expect(
            await short.simulator.host.vm(id: Self.runningID)?.userSnapshotType == 5, "the checkpoint type is restored")
    }
}
