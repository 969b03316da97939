import Foundation
import TestSupport
import Testing

/// Kerberos end to end against a real MIT KDC the suite starts on 127.0.0.1 (a throw-away realm): `probe`, `exec` and
/// `serve` — the real binaries — with a ticket cache and with a client keytab, messages sealed with Kerberos over
/// http, a keytab-only `serve` outliving its tickets, and each Kerberos failure with its own message.
@Suite(.serialized) struct KerberosProcessTests {
    /// A realm, a fixture host whose service key is `HTTP/localhost`, and a work directory for the agent.
    struct Realm: AsyncStoppable {
        let kdc: TestKDC
        let fixture: BackgroundProcess
        let work: URL
        /// `http://localhost:PORT/wsman`: the SPN is HTTP/localhost.
        var url: String { fixture.firstLine.replacingOccurrences(of: "127.0.0.1", with: "localhost") }

        static func start(
            lifetime: Int = 20, clockOffset: String? = nil, fixtureArguments: [String]? = nil
        ) async throws -> Realm {
            let kdc = try await TestKDC.start(agentTicketLifetime: lifetime, clockOffset: clockOffset)
            let fixture: BackgroundProcess
            do {
                fixture = try await BackgroundProcess.start(
                    ChildProcess.product("winrm-fixture"),
                    ["simulate"]
                        + (fixtureArguments ?? [
                            "--keytab", kdc.serviceKeytab, "--require-encryption", "--offer", "Negotiate,Kerberos",
                        ]), environment: kdc.environment())
            } catch {
                await kdc.stop()
                throw error
            }
            let work = kdc.directory.appendingPathComponent("agent")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            return Realm(kdc: kdc, fixture: fixture, work: work)
        }

        func config(_ lines: [String], name: String = "agent.conf") throws -> String {
            let path = work.appendingPathComponent(name).path
            let text =
                lines + ["agent.state_dir = \(work.appendingPathComponent("state").path)", "log.level = critical"]
            try text.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func keytabConfig(_ extra: [String] = [], url: String? = nil) throws -> String {
            try config(
                [
                    "winrm.url = \(url ?? self.url)", "winrm.kerberos_keytab = \(kdc.agentKeytab)",
                    "winrm.kerberos_principal = \(kdc.agentPrincipal)",
                ] + extra, name: "keytab-\(UUID().uuidString).conf")
        }

        /// A cache that does not exist: proves a run used no ticket cache.
        var noCache: String { "FILE:" + work.appendingPathComponent("no-such-cache").path }

        func agent(_ arguments: [String], cache: String? = nil) async throws -> ChildProcess.Result {
            try await ChildProcess.run(
                ChildProcess.product("hyperv-agent"), arguments,
                environment: kdc.environment(["KRB5CCNAME": cache ?? noCache]))
        }

        func statistics() async throws -> FixtureAuthStatistics {
            try await FixtureAuthStatistics.fetch(fixture.firstLine)
        }

        func stop() async {
            await fixture.stop()
            await kdc.stop()
        }
    }

    @Test func ticketCacheOverHTTPIsKerberosSealed() async throws {
        let realm = try await Realm.start()
        try await using(realm) { realm in
            let cache = try await realm.kdc.kinitAlice(cache: "FILE:" + realm.work.appendingPathComponent("cc").path)
            let result = try await realm.agent(
                ["probe", "--config", try realm.config(["winrm.url = \(realm.url)"])], cache: cache)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("authentication:    Negotiate (SPNEGO) — mechanism: Kerberos"))
            #expect(result.stdout.contains("encrypted with WinRM message encryption (Kerberos sealing"))
            let statistics = try await realm.statistics()
            #expect(statistics.lastMechanism == "Kerberos")
            #expect(statistics.lastClient == "alice@\(TestKDC.realm)")
            // Kerberos needs one round trip per new connection (AP-REQ → 200 with the AP-REP).
            #expect(statistics.handshakes == 1 && statistics.handshakeLegs == 1)
            #expect(statistics.plainMessages == 0 && statistics.sealedMessages >= 3)

            // exec and serve with the same cache.
            let config = try realm.config(["winrm.url = \(realm.url)", "agent.listen = 127.0.0.1:0"], name: "cc.conf")
            let command = realm.work.appendingPathComponent("create.json")
            try #"{"vmName":"i-2-18-VM","target":{"snapshotName":"by-alice","type":"Disk"},"volumeTOs":[]}"#.write(
                to: command, atomically: true, encoding: .utf8)
            let exec = try await realm.agent(
                ["exec", "--config", config, "com.cloud.agent.api.CreateVMSnapshotCommand", command.path], cache: cache)
            #expect(exec.status == 0, "\(exec.stdout) \(exec.stderr)")
            let serve = try await BackgroundProcess.start(
                ChildProcess.product("hyperv-agent"), ["serve", "--config", config],
                environment: realm.kdc.environment(["KRB5CCNAME": cache]))
            try await using(serve) { serve in
                let body = #"{"vmName":"i-2-18-VM","target":{"snapshotName":"by-alice-serve","type":"Disk"},"volumeTOs":[]}"#
                let posted = try await ChildProcess.run(
                    "/usr/bin/curl",
                    [
                        "-sS", "-k", "-X", "POST", "-H", "content-type: application/json", "--data-binary", body,
                        "\(serve.firstLine)/com.cloud.agent.api.CreateVMSnapshotCommand",
                    ])
                #expect(posted.stdout.contains(#""result":true"#), "\(posted.stdout)")
            }
            #expect(try await realm.statistics().plainMessages == 0)
        }
    }

    /// Over https Kerberos is left to TLS, bound to the host's certificate.
    @Test func kerberosOverHTTPSWithChannelBinding() async throws {
        let certificates = Bundle.module.resourceURL!.appendingPathComponent("Certificates")
        let kdc = try await TestKDC.start()
        let realm: Realm
        do {
            let fixture = try await BackgroundProcess.start(
                ChildProcess.product("winrm-fixture"),
                [
                    "simulate", "--keytab", kdc.serviceKeytab, "--offer", "Negotiate,Kerberos", "--tls-cert",
                    certificates.appendingPathComponent("server.pem").path, "--tls-key",
                    certificates.appendingPathComponent("server.key").path, "--require-channel-binding",
                ], environment: kdc.environment())
            let work = kdc.directory.appendingPathComponent("agent")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            realm = Realm(kdc: kdc, fixture: fixture, work: work)
        } catch {
            await kdc.stop()
            throw error
        }
        try await using(realm) { realm in
            let result = try await realm.agent([
                "probe", "--config",
                try realm.keytabConfig(["winrm.ca_file = \(certificates.appendingPathComponent("ca.pem").path)"]),
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("mechanism: Kerberos"))
            #expect(result.stdout.contains("messages:          encrypted by TLS"))
            let statistics = try await realm.statistics()
            #expect(statistics.sealedMessages == 0 && statistics.plainMessages >= 3)
        }
    }

    @Test func aKeytabAloneIsEnoughForProbeAndExec() async throws {
        let realm = try await Realm.start()
        try await using(realm) { realm in
            let config = try realm.keytabConfig()
            let probe = try await realm.agent(["probe", "--config", config])
            #expect(probe.status == 0, "\(probe.stderr)")
            #expect(probe.stdout.contains("mechanism: Kerberos"))
            let command = realm.work.appendingPathComponent("create.json")
            try #"{"vmName":"i-2-18-VM","target":{"snapshotName":"by-keytab","type":"Disk"},"volumeTOs":[]}"#.write(
                to: command, atomically: true, encoding: .utf8)
            let exec = try await realm.agent([
                "exec", "--config", config, "com.cloud.agent.api.CreateVMSnapshotCommand", command.path,
            ])
            #expect(exec.status == 0, "\(exec.stdout) \(exec.stderr)")
            let statistics = try await realm.statistics()
            #expect(statistics.lastClient == realm.kdc.agentPrincipal)
            #expect(statistics.plainMessages == 0)
            // No ticket was written anywhere: the agent's cache is in memory.
            #expect(!FileManager.default.fileExists(atPath: String(realm.noCache.dropFirst(5))))
        }
    }

    /// The agent's tickets live `lifetime` seconds; a keytab-only `serve` keeps answering after they expired,
    /// re-authenticating its connections with fresh tickets from the keytab.
    @Test func keytabServeOutlivesItsTickets() async throws {
        let lifetime = 6
        let realm = try await Realm.start(lifetime: lifetime)
        try await using(realm) { realm in
            let serve = try await BackgroundProcess.start(
                ChildProcess.product("hyperv-agent"),
                ["serve", "--config", try realm.keytabConfig(["agent.listen = 127.0.0.1:0"])],
                environment: realm.kdc.environment(["KRB5CCNAME": realm.noCache]))
            try await using(serve) { serve in
                func create(_ name: String) async throws -> String {
                    let body = #"{"vmName":"i-2-18-VM","target":{"snapshotName":"\#(name)","type":"Disk"},"volumeTOs":[]}"#
                    return try await ChildProcess.run(
                        "/usr/bin/curl",
                        [
                            "-sS", "-k", "-X", "POST", "-H", "content-type: application/json", "--data-binary", body,
                            "\(serve.firstLine)/com.cloud.agent.api.CreateVMSnapshotCommand",
                        ]
                    ).stdout
                }
                let first = try await create("before-expiry")
                #expect(first.contains(#""result":true"#), "\(first) \(serve.standardError)")
                let before = try await realm.statistics()
                // A witness ticket issued after the agent's; once Kerberos says it expired, so have the agent's.
                let witness = "FILE:" + realm.work.appendingPathComponent("witness").path
                try await realm.kdc.kinitAgent(cache: witness)
                #expect(await realm.kdc.waitUntilExpired(cache: witness), "tickets live \(lifetime) s")
                let second = try await create("after-expiry")
                #expect(second.contains(#""result":true"#), "\(second) \(serve.standardError)")
                let after = try await realm.statistics()
                #expect(after.handshakes > before.handshakes, "the expired connection was authenticated again")
                #expect(after.lastClient == realm.kdc.agentPrincipal)
            }
        }
    }

    @Test func eachKerberosFailureSaysWhatToFix() async throws {
        let realm = try await Realm.start()
        try await using(realm) { realm in
            // No ticket and no other credential.
            let none = try await realm.agent(["probe", "--config", try realm.config(["winrm.url = \(realm.url)"])])
            #expect(none.stderr.contains("no credentials for Negotiate: there is no Kerberos ticket"), "\(none.stderr)")

            // An IP address: the KDC knows no HTTP/127.0.0.1.
            let byAddress = try await realm.agent([
                "probe", "--config", try realm.keytabConfig(url: realm.fixture.firstLine),
            ])
            #expect(
                byAddress.stderr.contains("the KDC does not know the service principal HTTP/127.0.0.1"),
                "\(byAddress.stderr)")
            // … which winrm.service_host fixes.
            let named = try await realm.agent([
                "probe", "--config", try realm.keytabConfig(["winrm.service_host = localhost"], url: realm.fixture.firstLine),
            ])
            #expect(named.status == 0, "\(named.stderr)")

            // A principal the keytab has no key for.
            let wrongPrincipal = try await realm.agent([
                "probe", "--config",
                try realm.config(
                    [
                        "winrm.url = \(realm.url)", "winrm.kerberos_keytab = \(realm.kdc.agentKeytab)",
                        "winrm.kerberos_principal = nobody@\(TestKDC.realm)",
                    ], name: "wrong.conf"),
            ])
            #expect(
                wrongPrincipal.stderr.contains("for nobody@\(TestKDC.realm) cannot be used")
                    && wrongPrincipal.stderr.contains("Keytab contains no suitable keys"),
                "\(wrongPrincipal.stderr)")

            // An expired ticket in the cache.
            let cache = "FILE:" + realm.work.appendingPathComponent("short").path
            let kinit = try await ChildProcess.run(
                "/bin/sh", ["-c", "printf '%s\\n' \"$PW\" | /usr/bin/kinit -l 1s alice >/dev/null"],
                environment: realm.kdc.environment(["KRB5CCNAME": cache, "PW": realm.kdc.alicePassword]))
            #expect(kinit.status == 0, "\(kinit.stderr)")
            #expect(await realm.kdc.waitUntilExpired(cache: cache))
            let expired = try await realm.agent(
                ["probe", "--config", try realm.config(["winrm.url = \(realm.url)"], name: "cache.conf")],
                cache: cache)
            #expect(expired.stderr.contains("the Kerberos ticket has expired"), "\(expired.stderr)")

            let messages = [none.stderr, byAddress.stderr, wrongPrincipal.stderr, expired.stderr]
            #expect(Set(messages).count == messages.count)
        }
    }

    @Test func aKDCNobodyCanReach() async throws {
        let realm = try await Realm.start()
        try await using(realm) { realm in
            let broken = realm.work.appendingPathComponent("krb5-unreachable.conf")
            let text = try String(contentsOfFile: realm.kdc.krb5Config, encoding: .utf8)
                .replacingOccurrences(of: "127.0.0.1:\(realm.kdc.port)", with: "127.0.0.1:1")
            try text.write(to: broken, atomically: true, encoding: .utf8)
            let result = try await ChildProcess.run(
                ChildProcess.product("hyperv-agent"), ["probe", "--config", try realm.keytabConfig()],
                environment: ["KRB5_CONFIG": broken.path, "KRB5CCNAME": realm.noCache])
            #expect(result.stderr.contains("no KDC of the realm could be reached"), "\(result.stderr)")
        }
    }

    @Test func clockSkewIsNamed() async throws {
        // The KDC's clock is an hour behind; the agent adopts it (kdc_timesync), the Hyper-V host keeps true time.
        let realm = try await Realm.start(clockOffset: "-1h")
        try await using(realm) { realm in
            let cache = try await realm.kdc.kinitAlice(cache: "FILE:" + realm.work.appendingPathComponent("cc").path)
            let result = try await realm.agent(
                ["probe", "--config", try realm.config(["winrm.url = \(realm.url)"])], cache: cache)
            #expect(result.status != 0)
            #expect(result.stderr.contains("clock skew:"), "\(result.stderr)")
            #expect(result.stderr.contains("synchronise time"))
        }
    }

    @Test func aHostThatOnlyOffersNTLM() async throws {
        let users = FileManager.default.temporaryDirectory.appendingPathComponent("ntlm-only-\(UUID().uuidString)")
        try "HV:alice:irrelevant\n".write(to: users, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: users) }
        let realm = try await Realm.start(fixtureArguments: ["--ntlm-users", users.path, "--offer", "Negotiate"])
        try await using(realm) { realm in
            let result = try await realm.agent(["probe", "--config", try realm.keytabConfig()])
            #expect(result.status != 0)
            #expect(
                result.stderr.contains("the host offers only NTLM inside Negotiate but the agent has only Kerberos"),
                "\(result.stderr)")
        }
    }
}
