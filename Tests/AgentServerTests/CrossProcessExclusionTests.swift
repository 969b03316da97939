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
    @Test func execIsRefusedWhileServeHoldsTheVM() async throws {
        let agent = ChildProcess.product("hyperv-agent")
        try #require(
            FileManager.default.isExecutableFile(atPath: agent),
            "build the hyperv-agent product first (make test does)")
        let clock = ManualClock(held: true)
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configuration.jobDelayMilliseconds = 500
        let simulator = HyperVSimulator(configuration: configuration)
        let fixture = try await FixtureServer.startQuiet(
            simulator, user: "cloud", password: "exclusion-pw", inspector: simulator)
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
                let result = try await ChildProcess.run(
                    agent,
                    [
                        "exec", "--config", work.appendingPathComponent("agent.conf").path,
                        CommandClass.createVMSnapshot,
                        work.appendingPathComponent("create.json").path,
                    ],
                    environment: ProcessInfo.processInfo.environment.merging([
                        "HYPERV_AGENT_WINRM_PASSWORD": "exclusion-pw"
                    ]) { $1 })
                let (status, output) = (result.status, result.stdout)
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
}
