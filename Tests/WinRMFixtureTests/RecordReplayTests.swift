import Foundation
import Logging
import TestSupport
import Testing
import WSMan
import WSManCurl
import WinRMFixture

/// Record against `simulate`, replay the result, get the same answers, with no secrets in the files.
/// With `HYPERV_AGENT_WRITE_TRANSCRIPTS=DIR` the recordings are also written to DIR (how the shipped
/// transcripts in `Tests/WinRMFixtureTests/Transcripts` were made).
@Suite struct RecordReplayTests {
    static var shipped: String { Bundle.module.resourceURL!.appendingPathComponent("Transcripts").path }

    func record(_ flow: @Sendable (WSManClient) async throws -> [String], name: String, into directory: String)
        async throws -> [String]
    {
        let harness = try await SimulatorHarness.start()
        return try await using(harness) { harness in
            if name == "failed-job" {
                harness.fixture.faults.inject(.failJob(method: "CreateSnapshot", errorCode: 32768))
            }
            let scrubber = Scrubber(
                host: "hv-real-01.corp.example", username: SimulatorHarness.user, password: SimulatorHarness.password)
            let recording = try RecordingTransport(
                base: harness.transport, directory: directory + "/" + name, scrubber: scrubber)
            return try await flow(WSManClient(transport: recording))
        }
    }

    func replay(_ flow: @Sendable (WSManClient) async throws -> [String], transcripts: String) async throws -> [String]
    {
        var logger = Logger(label: "test-replay")
        logger.logLevel = .critical
        let replayer = try TranscriptReplayer(directory: transcripts, logger: logger)
        var server = FixtureServerConfiguration()
        server.username = "replay"
        server.password = "replay-pw"
        let fixture = try await FixtureServer.start(responder: replayer, configuration: server, logger: logger)
        return try await using(fixture) { fixture in
            var settings = CurlTransportConfiguration(url: fixture.url)
            settings.allowUnencrypted = true
            settings.authentication = .basic
            settings.username = "replay"
            settings.password = "replay-pw"
            return try await flow(WSManClient(transport: try CurlTransport(configuration: settings)))
        }
    }

    @Test(arguments: CheckpointFlows.all.map(\.name))
    func recordedFlowReplaysIdentically(name: String) async throws {
        let flow = CheckpointFlows.all.first { $0.name == name }!.run
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "transcripts-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorded = try await record(flow, name: name, into: directory)
        if let keep = ProcessInfo.processInfo.environment["HYPERV_AGENT_WRITE_TRANSCRIPTS"] {
            let observed = try await record(flow, name: name, into: keep)
            try Data((observed.joined(separator: "\n") + "\n").utf8).write(
                to: URL(fileURLWithPath: keep + "/" + name + "/expected.txt"))
        }
        let replayed = try await replay(flow, transcripts: directory + "/" + name)
        #expect(replayed == recorded)
        #expect(!recorded.isEmpty)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory + "/" + name) {
            let text = try String(contentsOfFile: directory + "/" + name + "/" + file, encoding: .utf8)
            #expect(!text.contains(SimulatorHarness.password))
            #expect(!text.contains(SimulatorHarness.user))
            #expect(!text.contains("HV-FIXTURE"))
            #expect(!text.contains("Authorization"))
        }
    }

    @Test(arguments: CheckpointFlows.all.map(\.name))
    func shippedTranscriptReplays(name: String) async throws {
        let flow = CheckpointFlows.all.first { $0.name == name }!.run
        let observed = try await replay(flow, transcripts: Self.shipped + "/" + name)
        let expected = try String(contentsOfFile: Self.shipped + "/" + name + "/expected.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(observed == expected)
    }

    @Test func unmatchedRequestNamesTheClosestRecording() async throws {
        let replayer = try TranscriptReplayer(directory: Self.shipped + "/create-stopped-vm")
        let client = WSManClient(transport: InMemoryTransport(responder: replayer))
        let error = await #expect(throws: WSManError.self) {
            try await client.enumerate(
                EnumerateRequest(wql: WQL.select(from: "Msvm_ComputerSystem", where: [("ElementName", "nope")])))
        }
        #expect(error?.fault?.reason.contains("closest recorded request: Enumerate") == true)
        #expect(await replayer.unmatched.count == 1)
    }

    @Test func repeatedRequestsAdvanceThroughRecordedAnswers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("poll-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Record a job that runs for a while, so polling sees Running before Completed.
        let harness = try await SimulatorHarness.start { $0.jobDelayMilliseconds = 200 }
        let recording = try RecordingTransport(
            base: harness.transport, directory: directory, scrubber: Scrubber(host: nil, username: nil, password: nil))
        let client = WSManClient(transport: recording)
        let output = try await client.invoke(
            service(snapshotService, "CreateSnapshot", [.reference("AffectedSystem", vmEPR(stoppedVM))]))
        var states: [Int] = []
        for _ in 0..<100 {
            let state = try await client.get(GetRequest(output.job!)).int("JobState") ?? -1
            states.append(state)
            if state == 7 { break }
            await harness.clock.sleep(.milliseconds(20))
        }
        await harness.stop()
        #expect(states.first == 4 && states.last == 7)
        let replayClient = WSManClient(
            transport: InMemoryTransport(responder: try TranscriptReplayer(directory: directory)))
        let again = try await replayClient.invoke(
            service(snapshotService, "CreateSnapshot", [.reference("AffectedSystem", vmEPR(stoppedVM))]))
        var replayed: [Int] = []
        for _ in states { replayed.append(try await replayClient.get(GetRequest(again.job!)).int("JobState") ?? -1) }
        #expect(replayed == states)
        #expect(try await replayClient.get(GetRequest(again.job!)).int("JobState") == 7)
    }
}
