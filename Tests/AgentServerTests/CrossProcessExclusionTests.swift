import CloudStack
import Foundation
import Logging
import TestSupport
import Testing
import WSManCurl
import WinRMFixture

/// `serve` and `exec` on one state directory never run two operations on one VM: while the channel's create
/// waits for its job, the real `hyperv-agent exec` binary is refused at once for that VM — and the channel's
/// command still finishes.
@Suite struct CrossProcessExclusionTests {
    static var agentBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "hyperv-agent")
    }

    @Test func execIsRefusedWhileServeHoldsTheVM() async throws {
        let agent = Self.agentBinary
        try #require(
            FileManager.default.isExecutableFile(atPath: agent.path),
            "build the hyperv-agent product first (make test does)")
        let clock = ManualClock(held: true)
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configuration.jobDelayMilliseconds = 500
        let simulator = HyperVSimulator(configuration: configuration)
        var server = FixtureServerConfiguration()
        server.username = "cloud"
        server.password = "exclusion-pw"
        var logger = Logger(label: "test-fixture")
        logger.logLevel = .critical
        let fixture = try await FixtureServer.start(
            responder: simulator, configuration: server, inspector: simulator, logger: logger)
        try await using(fixture) { fixture in
            var settings = CurlTransportConfiguration(url: fixture.url)
            settings.allowUnencrypted = true
            settings.authentication = .basic
            settings.username = "cloud"
            settings.password = "exclusion-pw"
            let stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "shared-\(UUID().uuidString)"
            ).path
            let channel = try await ChannelHarness.start(
                clock: clock, stateDirectory: stateDirectory, simulator: simulator,
                transport: try CurlTransport(configuration: settings))
            try await using(channel) { channel in
                let body = Array(
                    #"{"vmName":"i-2-18-VM","target":{"snapshotName":"by-serve","type":"Disk"},"volumeTOs":[]}"#.utf8)
                async let served = channel.post(CommandClass.createVMSnapshot, body)
                await clock.waitForSleepers(1)  // serve's create is inside its job wait, holding the VM

                let work = FileManager.default.temporaryDirectory.appendingPathComponent("exec-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
                let conf = """
                    winrm.url = \(fixture.url)
                    winrm.auth = basic
                    winrm.username = cloud
                    winrm.allow_unencrypted = true
                    agent.state_dir = \(stateDirectory)
                    log.level = critical
                    """
                try conf.write(to: work.appendingPathComponent("agent.conf"), atomically: true, encoding: .utf8)
                let command =
                    #"{"vmName":"i-2-18-VM","target":{"snapshotName":"by-exec","type":"Disk"},"volumeTOs":[]}"#
                try command.write(to: work.appendingPathComponent("create.json"), atomically: true, encoding: .utf8)
                let (status, output) = try await run(
                    agent,
                    [
                        "exec", "--config", work.appendingPathComponent("agent.conf").path,
                        CommandClass.createVMSnapshot,
                        work.appendingPathComponent("create.json").path,
                    ],
                    environment: ["HYPERV_AGENT_WINRM_PASSWORD": "exclusion-pw"])
                #expect(status == 1, "exec exits 1 when the answer's result is false")
                #expect(output.contains(#""result":false"#), "\(output)")
                #expect(
                    output.contains(
                        "VM i-2-18-VM is busy in another hyperv-agent process (pid \(getpid()), taking checkpoint by-serve)"
                    ), "\(output)")
                #expect(output.contains("com.cloud.agent.api.CreateVMSnapshotAnswer"))

                clock.release()
                let answer = try await served
                #expect(answer.answer?.1["result"]?.boolValue == true, "\(answer.text)")
                let names = await simulator.host.checkpoints.map(\.name)
                #expect(names.contains("by-serve") && !names.contains("by-exec"))
            }
        }
    }

    /// Runs a program to its end; returns its exit status and stdout.
    func run(_ program: URL, _ arguments: [String], environment: [String: String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        var status: Int32 = 0
        guard waitpid(process.processIdentifier, &status, 0) == process.processIdentifier else {
            process.waitUntilExit()  // Foundation reaped it first
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        return ((status >> 8) & 0xff, String(decoding: data, as: UTF8.self))
    }
}

extension RunningFixture: AsyncStoppable {}
