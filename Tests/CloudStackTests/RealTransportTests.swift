import CloudStack
import Foundation
import Logging
import TestSupport
import Testing
import WSMan
import WSManCurl
import WinRMFixture

/// The engine through the real libcurl transport against `winrm-fixture simulate` over loopback, and against
/// transcripts recorded from it.
@Suite struct RealTransportTests {
    static let password = "pa$$:w0rd'\"<>"

    static func serve(_ responder: any WSManResponder, faults: FaultInjector = FaultInjector()) async throws
        -> RunningFixture
    {
        try await FixtureServer.startQuiet(responder, user: "cloud", password: password, faults: faults)
    }

    static func transport(_ url: String, password: String = password) throws -> CurlTransport {
        var settings = CurlTransportConfiguration(url: url)
        settings.allowUnencrypted = true
        settings.authentication = .basic
        settings.username = "cloud"
        settings.password = password
        settings.timeoutSeconds = 5
        return try CurlTransport(configuration: settings)
    }

    @Test func createRevertDeleteOverHTTP() async throws {
        let simulator = HyperVSimulator()
        let fixture = try await Self.serve(simulator)
        try await using(fixture) { fixture in
            let harness = EngineHarness.make(transport: { _ in try! Self.transport(fixture.url) })
            #expect(await harness.create(Commands.create("http-snap", type: "DiskAndMemory")).result)
            #expect(
                await harness.revert(Commands.revert("http-snap", type: "DiskAndMemory"))["vmState"]?.stringValue
                    == "PowerOn")
            let deleted = await harness.delete(Commands.delete("http-snap"))
            #expect(deleted.result, "\(deleted.details)")
            #expect(await simulator.host.checkpoints.count == 2)
        }
    }

    @Test func wrongCredentialsAnswerResultFalseWithoutSecrets() async throws {
        let fixture = try await Self.serve(HyperVSimulator())
        try await using(fixture) { fixture in
            let harness = EngineHarness.make(transport: { _ in
                try! Self.transport(fixture.url, password: "wrong-\(Self.password)")
            })
            let answer = await harness.create(Commands.create("x"))
            #expect(!answer.result)
            #expect(answer.details.contains("authentication failed"))
            #expect(!answer.details.contains(Self.password))
        }
    }

    @Test func unreachableHostAnswersResultFalse() async throws {
        let harness = EngineHarness.make(transport: { _ in try! Self.transport("http://127.0.0.1:1/wsman") })
        let answer = await harness.revert(Commands.revert("i-2-17-VM_VS_20261127101500"))
        #expect(!answer.result)
        #expect(answer.details.contains("unreachable"))
    }

    @Test func faultsAndDroppedConnectionsGiveClearAnswersAndNoDuplicates() async throws {
        let simulator = HyperVSimulator()
        let faults = FaultInjector()
        let fixture = try await Self.serve(simulator, faults: faults)
        try await using(fixture) { fixture in
            let harness = EngineHarness.make(transport: { _ in try! Self.transport(fixture.url) })
            faults.inject(.internalError)
            let first = await harness.create(Commands.create(vm: "i-2-18-VM", "flaky"))
            #expect(!first.result)
            #expect(first.details.contains("SOAP fault"))
            faults.inject(.malformedBody)
            #expect(await harness.create(Commands.create(vm: "i-2-18-VM", "flaky")).result == false)
            let retried = await harness.create(Commands.create(vm: "i-2-18-VM", "flaky"))
            #expect(retried.result, "\(retried.details)")
            #expect(await simulator.host.checkpoints.filter { $0.name == "flaky" }.count == 1)
        }
    }

    /// Record the three commands against the simulator, then replay them through HTTP: same answers.
    @Test func recordedCommandsReplay() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("engine-rec-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let commands: [(String, JSONValue)] = [
            (CommandClass.createVMSnapshot, Commands.create("rec", type: "DiskAndMemory")),
            (CommandClass.revertToVMSnapshot, Commands.revert("i-2-17-VM_VS_20261127101500")),
            (CommandClass.deleteVMSnapshot, Commands.delete("rec")),
        ]
        let recording = EngineHarness.make(transport: { simulator in
            try! RecordingTransport(
                base: InMemoryTransport(responder: simulator), directory: directory,
                scrubber: Scrubber(host: nil, username: nil, password: nil))
        })
        var recorded: [JSONValue] = []
        for (commandClass, body) in commands { recorded.append(await recording.run(commandClass, body).answer) }
        let fixture = try await Self.serve(try TranscriptReplayer(directory: directory))
        try await using(fixture) { fixture in
            let replaying = EngineHarness.make(transport: { _ in try! Self.transport(fixture.url) })
            for ((commandClass, body), expected) in zip(commands, recorded) {
                let answer = await replaying.run(commandClass, body).answer
                #expect(answer == expected)
                #expect(answer.result)
            }
        }
    }
}
