import CloudStack
import Foundation
import Logging
import TestSupport
import Testing
import WinRMFixture

/// The real `hyperv-agent extension` binary as the management server runs it: no environment, argv
/// `ACTION PAYLOAD_FILE WAIT`, stdout read after exit, exit status = success, killed at `WAIT` — against the
/// simulator behind the real HTTP server (libcurl end to end).
@Suite(.serialized) struct ExtensionProcessTests {
    static let user = "svc-extension-account"
    static let password = "Extension-Passw0rd-\(UUID().uuidString.prefix(8))"

    struct Setup {
        let fixture: RunningFixture
        let simulator: HyperVSimulator
        let work: URL

        var stateDirectory: String { work.appendingPathComponent("state").path }
        var configPath: String { work.appendingPathComponent("agent.conf").path }

        /// Runs the entry point with a payload built like the management server's; returns the parsed answer.
        func run(
            _ action: String, vm: String? = "i-2-17-VM", _ parameters: [String: Any]? = nil, wait: Int = 60,
            killAt: Int? = nil, extraArguments: [String] = []
        ) async throws -> (result: ChildProcess.Result, answer: JSONValue?) {
            var builder = PayloadBuilder(url: fixture.url)
            builder.username = ExtensionProcessTests.user
            builder.password = ExtensionProcessTests.password
            builder.action = action
            builder.vmName = vm
            builder.parameters = parameters
            let payload = work.appendingPathComponent("\(UUID().uuidString).json")
            try builder.json().write(to: payload, atomically: true, encoding: .utf8)
            let agent = ChildProcess.product("hyperv-agent")
            var program = agent
            var arguments = ["extension", action, payload.path, String(wait), "--config", configPath] + extraArguments
            if let killAt {
                // The management server kills the process at WAIT without grace: so does coreutils' timeout -s KILL.
                program = "/usr/bin/timeout"
                arguments = ["-s", "KILL", String(killAt), agent] + arguments
            }
            let result = try await ChildProcess.run(program, arguments, environment: [:], workingDirectory: "/")
            return (result, try? JSONParser.parse(Array(result.stdout.utf8)))
        }
    }

    static func withSetup(
        jobDelayMilliseconds: Int = 0, config extra: String = "", _ body: (Setup) async throws -> Void
    ) async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: ChildProcess.product("hyperv-agent")),
            "build the hyperv-agent product first (make test does)")
        var configuration = HyperVSimulator.Configuration()
        configuration.jobDelayMilliseconds = jobDelayMilliseconds
        let simulator = HyperVSimulator(configuration: configuration)
        let fixture = try await FixtureServer.startQuiet(
            simulator, user: user, password: password, inspector: simulator)
        try await using(fixture) { fixture in
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("extension-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let conf = """
                # the wrapper's configuration: everything but the host comes from here
                winrm.auth = basic
                winrm.allow_unencrypted = true
                agent.state_dir = \(work.appendingPathComponent("state").path)
                log.level = debug
                \(extra)
                """
            try conf.write(to: work.appendingPathComponent("agent.conf"), atomically: true, encoding: .utf8)
            try await body(Setup(fixture: fixture, simulator: simulator, work: work))
        }
    }

    static let hostileName = #"a"$(reboot)'b; rm -rf / `id` %PATH% & | < > \ ${env:X} 日本"#

    @Test func everyActionEndToEnd() async throws {
        try await Self.withSetup { setup in
            let created = try await setup.run("CreateSnapshot", ["snapshot_name": Self.hostileName, "quiesce": "true"])
            #expect(created.result.status == 0, "\(created.result.stdout)")
            #expect(created.result.stderr.isEmpty, "nothing on stderr: \(created.result.stderr)")
            #expect(created.result.stdout.filter { $0 == "\n" }.count == 1, "exactly one line")
            #expect(created.answer?["status"]?.stringValue == "success")
            let names = await setup.simulator.host.checkpoints.map(\.name)
            #expect(names.contains(Self.hostileName), "stored verbatim: \(names)")

            let listed = try await setup.run("ListSnapshots")
            #expect(listed.result.status == 0)
            let items = try #require(listed.answer?["message"]?.arrayValue)
            #expect(items.contains { $0["name"]?.stringValue == Self.hostileName && $0["current"]?.boolValue == true })

            let restored = try await setup.run("RestoreSnapshot", ["snapshot_name": Self.hostileName])
            #expect(restored.result.status == 0, "\(restored.result.stdout)")
            #expect(restored.answer?["power_state"]?.stringValue == "poweroff")

            let status = try await setup.run("status", wait: 0)
            #expect(status.answer?["power_state"]?.stringValue == "poweroff", "\(status.result.stdout)")
            let statuses = try await setup.run("statuses", vm: nil)
            #expect(statuses.answer?["power_state"]?["i-2-18-VM"]?.stringValue == "poweroff")

            let deleted = try await setup.run("DeleteSnapshot", ["snapshot_name": Self.hostileName])
            #expect(deleted.result.status == 0, "\(deleted.result.stdout)")
            #expect(!(await setup.simulator.host.checkpoints.map(\.name)).contains(Self.hostileName))

            let missing = try await setup.run("RestoreSnapshot", ["snapshot_name": "never-taken"])
            #expect(missing.result.status == 1)
            #expect(missing.answer?["status"]?.stringValue == "error")
            #expect(missing.result.stderr.isEmpty)

            // No run left the password anywhere: not in the state directory (log included), not in the output.
            for run in [created, listed, restored, status, statuses, deleted, missing] {
                #expect(!run.result.stdout.contains(Self.password) && !run.result.stderr.contains(Self.password))
            }
            let state = URL(fileURLWithPath: setup.stateDirectory)
            let files =
                FileManager.default.enumerator(at: state, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
            #expect(files.contains { $0.lastPathComponent == "extension.log" }, "logs go to the state directory")
            for file in files {
                let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
                #expect(!text.contains(Self.password), "\(file.path) holds the password")
            }
        }
    }

    @Test func otherActionsGoToTheFallbackWithTheSameArguments() async throws {
        try await Self.withSetup { setup in
            let script = setup.work.appendingPathComponent("hyperv.py")
            try """
            #!/bin/sh
            printf '{"status":"success","message":"fallback got %s|%s|%s|%s"}\\n' "$1" "$2" "$3" "$#"
            exit 3
            """.write(to: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
            let base = try String(contentsOfFile: setup.configPath, encoding: .utf8)
            try (base + "\nextension.fallback = \(script.path)\n").write(
                toFile: setup.configPath, atomically: true, encoding: .utf8)
            let started = try await setup.run("Start", wait: 120)
            #expect(started.result.status == 3, "the fallback's exit status passes through")
            let message = try #require(started.answer?["message"]?.stringValue)
            #expect(message.hasPrefix("fallback got Start|/"), "\(message)")
            #expect(message.hasSuffix("|120|3"), "same three arguments, --config not passed on: \(message)")
        }
    }

    @Test func withoutAFallbackOtherActionsAreACleanError() async throws {
        try await Self.withSetup { setup in
            let run = try await setup.run("Suspend")
            #expect(run.result.status == 1)
            #expect(run.answer?["error"]?.stringValue?.contains("extension.fallback") == true, "\(run.result.stdout)")
            #expect(run.result.stderr.isEmpty)
        }
    }

    /// A job slower than `WAIT`: the run answers (exit 1, one JSON object) before the management server would kill
    /// it; the next run adopts the job's checkpoint instead of taking a second one.
    @Test func waitIsHonouredAndTheNextRunAdopts() async throws {
        try await Self.withSetup(jobDelayMilliseconds: 2500) { setup in
            let name = "slow-\(UUID().uuidString.prefix(6))"
            let first = try await setup.run(
                "CreateSnapshot", vm: "i-2-18-VM", ["snapshot_name": name], wait: 1, killAt: 1)
            #expect(first.result.status == 1, "answered before WAIT, not killed (137): \(first.result.stdout)")
            #expect(first.answer?["status"]?.stringValue == "error")
            #expect(first.result.stderr.isEmpty)
            let second = try await setup.run("CreateSnapshot", vm: "i-2-18-VM", ["snapshot_name": name], wait: 60)
            #expect(second.result.status == 0, "\(second.result.stdout)")
            let checkpoints = await setup.simulator.host.checkpoints(ofVM: "6E5D4C3B-2A19-4F8E-8D7C-6B5A4F3E2D1C")
            #expect(checkpoints.map(\.name) == [name], "one checkpoint, adopted and named: \(checkpoints.map(\.name))")
        }
    }

    /// The wrapper an operator registers: no environment from the management server, everything set inside.
    @Test func theWrapperScriptIsTheEntryPoint() async throws {
        try await Self.withSetup { setup in
            let wrapper = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/hyperv-extension.sh").path
            var builder = PayloadBuilder(url: setup.fixture.url)
            builder.username = Self.user
            builder.password = Self.password
            builder.parameters = nil
            let payload = setup.work.appendingPathComponent("status.json")
            try builder.json().write(to: payload, atomically: true, encoding: .utf8)
            let result = try await ChildProcess.run(
                wrapper, ["Status", payload.path, "30"],
                environment: [
                    "HYPERV_AGENT": ChildProcess.product("hyperv-agent"), "HYPERV_AGENT_CONFIG": setup.configPath,
                ],
                workingDirectory: "/")
            #expect(result.status == 0, "\(result.stdout)")
            #expect(try JSONParser.parse(Array(result.stdout.utf8))["power_state"]?.stringValue == "poweron")
            let missing = try await ChildProcess.run(
                wrapper, ["Status", payload.path, "30"], environment: ["HYPERV_AGENT": "/nonexistent/hyperv-agent"])
            #expect(missing.status == 1)
            #expect(try JSONParser.parse(Array(missing.stdout.utf8))["status"]?.stringValue == "error")
        }
    }

    /// The management server runs the entry point as user `cloud`, often without an installed configuration:
    /// the default state directory is then not writable, and a private one under /tmp keeps journal and locks.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")))
    func anUnprivilegedUserWithoutConfigurationStillWorks() async throws {
        try await Self.withSetup { setup in
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: setup.work.path)
            let conf = setup.work.appendingPathComponent("minimal.conf")
            try "winrm.auth = basic\nwinrm.allow_unencrypted = true\n".write(
                to: conf, atomically: true, encoding: .utf8)
            var builder = PayloadBuilder(url: setup.fixture.url)
            builder.username = Self.user
            builder.password = Self.password
            builder.parameters = ["snapshot_name": "by-nobody"]
            let payload = setup.work.appendingPathComponent("nobody.json")
            try builder.json().write(to: payload, atomically: true, encoding: .utf8)
            for file in [conf, payload] {
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
            }
            let agent = ChildProcess.product("hyperv-agent")
            let result = try await ChildProcess.run(
                "/usr/sbin/runuser",
                [
                    "-u", "nobody", "--", agent, "extension", "CreateSnapshot", payload.path, "30", "--config",
                    conf.path,
                ],
                environment: [:], workingDirectory: "/")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(await setup.simulator.host.checkpoints.contains { $0.name == "by-nobody" })
        }
    }

    @Test func badInputIsOneJSONError() async throws {
        try await Self.withSetup { setup in
            let agent = ChildProcess.product("hyperv-agent")
            let garbage = setup.work.appendingPathComponent("garbage.json")
            try Data([0xFF, 0x00, 0x7B]).write(to: garbage)
            for arguments in [
                ["extension", "CreateSnapshot", garbage.path, "5", "--config", setup.configPath],
                ["extension", "CreateSnapshot", "/nonexistent/payload.json", "5", "--config", setup.configPath],
                ["extension", "CreateSnapshot"],
                ["extension", "ListSnapshots", garbage.path, "5", "--config", "/nonexistent/agent.conf"],
            ] {
                let result = try await ChildProcess.run(agent, arguments, environment: [:], workingDirectory: "/")
                #expect(result.status == 1, "\(arguments): \(result.stdout)")
                #expect(result.stderr.isEmpty, "\(arguments): \(result.stderr)")
                let answer = try JSONParser.parse(Array(result.stdout.utf8))
                #expect(answer["status"]?.stringValue == "error")
            }
        }
    }
}
