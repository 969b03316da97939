import Foundation
import TestSupport
import Testing

/// `probe`, `exec` and `serve` — the real binaries — against `winrm-fixture` acting as a Windows host in its default
/// state: HTTP listener, Negotiate only, `AllowUnencrypted=false`. NTLM through gss-ntlmssp with the password in
/// memory, WinRM message encryption on every message; and each way it can fail, with its own message.
@Suite struct NegotiateProcessTests {
    /// A fixture host with one NTLM account and a config directory for the agent.
    struct Host {
        let work: URL
        let password: String
        let fixture: BackgroundProcess
        var url: String { fixture.firstLine }

        static func start(_ arguments: [String] = ["--require-encryption", "--offer", "Negotiate,Kerberos"]) async throws
            -> Host
        {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("negotiate-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let password = "pw-\(UUID().uuidString)"
            // The "Windows host's" account database (the fixture's side, not the agent's).
            let users = work.appendingPathComponent("host-users")
            try "HV:alice:\(password)\n".write(to: users, atomically: true, encoding: .utf8)
            let fixture = try await BackgroundProcess.start(
                ChildProcess.product("winrm-fixture"),
                ["simulate", "--ntlm-users", users.path] + arguments, environment: [:])
            return Host(work: work, password: password, fixture: fixture)
        }

        /// Writes `agent.conf` (plus the password file when `password` is given) and returns its path.
        func config(_ lines: [String], password: String? = nil, name: String = "agent.conf") throws -> String {
            var text = lines
            text.append("agent.state_dir = \(work.appendingPathComponent("state").path)")
            text.append("log.level = critical")
            if let password {
                let file = work.appendingPathComponent("\(name).password")
                try password.write(to: file, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
                text.append("winrm.password_file = \(file.path)")
            }
            let path = work.appendingPathComponent(name).path
            try text.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func negotiateConfig(_ extra: [String] = [], password: String? = nil) throws -> String {
            try config(
                ["winrm.url = \(url)", "winrm.auth = negotiate", "winrm.username = HV\\alice"] + extra,
                password: password ?? self.password)
        }

        func statistics() async throws -> FixtureAuthStatistics {
            try await FixtureAuthStatistics.fetch(url)
        }

        func agent(_ arguments: [String]) async throws -> ChildProcess.Result {
            try await ChildProcess.run(ChildProcess.product("hyperv-agent"), arguments, environment: [:])
        }

        func stop() async {
            await fixture.stop()
            try? FileManager.default.removeItem(at: work)
        }
    }

    @Test func probeOverHTTPEncryptsEveryMessageWithNTLM() async throws {
        let host = try await Host.start()
        try await using(host) { host in
            let result = try await host.agent(["probe", "--config", try host.negotiateConfig()])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("authentication:    Negotiate (SPNEGO) — mechanism: NTLM (gss-ntlmssp)"))
            #expect(
                result.stdout.contains(
                    "messages:          encrypted with WinRM message encryption (NTLM sealing, multipart/encrypted)"))
            let statistics = try await host.statistics()
            // One connection: one handshake of two legs (NEGOTIATE → CHALLENGE, AUTHENTICATE → 200), then only
            // sealed messages; the host refused nothing and saw the account it knows.
            #expect(statistics.handshakes == 1)
            #expect(statistics.handshakeLegs == 2)
            #expect(statistics.sealedMessages >= 3)
            #expect(statistics.plainMessages == 0)
            #expect(statistics.refusals == 0)
            #expect(statistics.lastMechanism == "NTLM")
            #expect(statistics.lastClient == "HV\\alice")

            let json = try await host.agent(["probe", "--json", "--config", try host.negotiateConfig()])
            #expect(json.stdout.contains(#""messages" : "encrypted with WinRM message encryption"#), "\(json.stdout)")
        }
    }

    @Test func execAndServeWorkEncrypted() async throws {
        let host = try await Host.start()
        try await using(host) { host in
            let config = try host.negotiateConfig(["agent.listen = 127.0.0.1:0"])
            let command = host.work.appendingPathComponent("create.json")
            try #"{"vmName":"i-2-18-VM","target":{"snapshotName":"sealed-exec","type":"Disk"},"volumeTOs":[]}"#.write(
                to: command, atomically: true, encoding: .utf8)
            let exec = try await host.agent([
                "exec", "--config", config, "com.cloud.agent.api.CreateVMSnapshotCommand", command.path,
            ])
            #expect(exec.status == 0, "\(exec.stdout) \(exec.stderr)")
            #expect(exec.stdout.contains(#""result":true"#))

            let serve = try await BackgroundProcess.start(
                ChildProcess.product("hyperv-agent"), ["serve", "--config", config], environment: [:])
            let body = #"{"vmName":"i-2-18-VM","target":{"snapshotName":"sealed-serve","type":"Disk"},"volumeTOs":[]}"#
            let posted = try await ChildProcess.run(
                "/usr/bin/curl",
                [
                    "-sS", "-k", "-X", "POST", "-H", "content-type: application/json", "--data-binary", body,
                    "\(serve.firstLine)/com.cloud.agent.api.CreateVMSnapshotCommand",
                ])
            let serveErrors = serve.standardError
            await serve.stop()
            #expect(posted.stdout.contains(#""result":true"#), "\(posted.stdout) \(serveErrors)")
            let statistics = try await host.statistics()
            #expect(statistics.plainMessages == 0)
            #expect(statistics.sealedMessages > 10)
            #expect(statistics.refusals == 0)
        }
    }

    @Test func overHTTPSMessagesAreLeftToTLS() async throws {
        let certificates = Bundle.module.resourceURL!.appendingPathComponent("Certificates")
        let host = try await Host.start([
            "--tls-cert", certificates.appendingPathComponent("server.pem").path,
            "--tls-key", certificates.appendingPathComponent("server.key").path, "--offer", "Negotiate",
        ])
        try await using(host) { host in
            let config = try host.negotiateConfig([
                "winrm.ca_file = \(certificates.appendingPathComponent("ca.pem").path)"
            ])
            let result = try await host.agent(["probe", "--config", config])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("mechanism: NTLM (gss-ntlmssp)"))
            #expect(result.stdout.contains("messages:          encrypted by TLS"))
            let statistics = try await host.statistics()
            #expect(statistics.sealedMessages == 0)
            #expect(statistics.plainMessages >= 3)
        }
    }

    /// `CbtHardeningLevel=Strict`: the agent binds Negotiate to the host's certificate (RFC 5929), so a strict host
    /// accepts it; with the bindings turned off the refusal says so.
    @Test func aStrictChannelBindingHostOverHTTPS() async throws {
        let certificates = Bundle.module.resourceURL!.appendingPathComponent("Certificates")
        let host = try await Host.start([
            "--tls-cert", certificates.appendingPathComponent("server.pem").path,
            "--tls-key", certificates.appendingPathComponent("server.key").path, "--offer", "Negotiate",
            "--require-channel-binding",
        ])
        try await using(host) { host in
            let ca = "winrm.ca_file = \(certificates.appendingPathComponent("ca.pem").path)"
            let bound = try await host.agent(["probe", "--config", try host.negotiateConfig([ca])])
            #expect(bound.status == 0, "\(bound.stderr)")
            #expect(bound.stdout.contains("mechanism: NTLM"))
            let unbound = try await host.agent([
                "probe", "--config", try host.negotiateConfig([ca, "winrm.channel_binding = never"]),
            ])
            #expect(unbound.status != 0)
            #expect(
                unbound.stderr.contains("the host may also require channel binding (CbtHardeningLevel=Strict)"),
                "\(unbound.stderr)")
            let statistics = try await host.statistics()
            #expect(statistics.refusals == 1)
        }
    }

    @Test func everyFailureHasItsOwnMessage() async throws {
        let host = try await Host.start()
        try await using(host) { host in
            var messages: [String: String] = [:]
            func run(_ name: String, _ config: String) async throws {
                let result = try await host.agent(["probe", "--config", config])
                #expect(result.status != 0, "\(name) should fail")
                messages[name] = result.stderr
            }
            try await run("wrong password", try host.negotiateConfig(password: "not-the-password"))
            try await run(
                "encryption required",
                try host.negotiateConfig(["winrm.message_encryption = never", "winrm.allow_unencrypted = true"]))
            for (name, scheme) in [("basic refused", "basic"), ("NTLM scheme refused", "ntlm")] {
                try await run(
                    name,
                    try host.config(
                        [
                            "winrm.url = \(host.url)", "winrm.auth = \(scheme)", "winrm.username = alice",
                            "winrm.allow_unencrypted = true",
                        ], password: host.password, name: "\(scheme).conf"))
            }
            try await run(
                "no credentials",
                try host.config(["winrm.url = \(host.url)", "winrm.auth = negotiate"], name: "none.conf"))

            #expect(messages["wrong password"]?.contains("the host refused the credentials (Negotiate/NTLM)") == true)
            #expect(messages["encryption required"]?.contains("the host requires message encryption") == true)
            #expect(messages["basic refused"]?.contains("the host refuses Basic authentication") == true)
            #expect(messages["NTLM scheme refused"]?.contains("does not accept the NTLM scheme") == true)
            #expect(messages["no credentials"]?.contains("no credentials for Negotiate") == true)
            #expect(Set(messages.values).count == 5, "five causes, five messages: \(messages)")
            for message in messages.values { #expect(!message.contains(host.password)) }
        }
    }

    @Test func noFileAnywhereHoldsThePassword() async throws {
        let started = Date()
        let host = try await Host.start()
        try await using(host) { host in
            let config = try host.negotiateConfig()
            let probe = try await host.agent(["probe", "--config", config])
            #expect(probe.status == 0)
            let list = try await host.agent(["checkpoints", "list", "i-2-17-VM", "--config", config])
            #expect(list.status == 0, "\(list.stderr)")
            #expect(!(probe.stdout + probe.stderr + list.stdout + list.stderr).contains(host.password))
            // The state directory, and every file under /tmp written since the test began, except the host's own
            // account database and the agent's password file (the operator's input).
            let needle = Data(host.password.utf8)
            let manager = FileManager.default
            func recent(_ path: String) -> Bool {
                guard let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date
                else { return false }
                return modified >= started
            }
            // Roots: the state directory, and whatever under the temporary directories appeared or changed since the
            // test began — except the host's own account database and the agent's password file (operator input).
            var roots = [host.work.appendingPathComponent("state").path]
            for temporary in Set([NSTemporaryDirectory(), "/tmp/"]) {
                for entry in (try? manager.contentsOfDirectory(atPath: temporary)) ?? [] {
                    let path = (temporary.hasSuffix("/") ? temporary : temporary + "/") + entry
                    if recent(path) && !path.hasPrefix(host.work.path) { roots.append(path) }
                }
            }
            var checked = 0
            for root in roots {
                var files = [root]
                if let walker = manager.enumerator(atPath: root) {
                    while let relative = walker.nextObject() as? String { files.append(root + "/" + relative) }
                }
                for path in files where recent(path) {
                    guard let attributes = try? manager.attributesOfItem(atPath: path),
                        attributes[.type] as? FileAttributeType == .typeRegular,
                        let size = attributes[.size] as? Int, size < 8 << 20,
                        let contents = manager.contents(atPath: path)
                    else { continue }
                    checked += 1
                    #expect(contents.range(of: needle) == nil, "\(path) holds the password")
                }
            }
            #expect(checked > 0, "the state directory has files (journal, locks)")
        }
    }
}

extension NegotiateProcessTests.Host: AsyncStoppable {}
