import AgentConfig
import Foundation
import Testing

@Suite struct ConfigParserTests {
    @Test func defaultsMatchTheDesign() throws {
        let c = try ConfigParser.parse("winrm.url = https://hv1:5986/wsman\n")
        #expect(c.winrmURL == "https://hv1:5986/wsman")
        #expect(c.winrmAuth == .negotiate)
        #expect(c.winrmVerifyTLS && !c.winrmAllowUnencrypted)
        #expect(c.winrmTimeoutSeconds == 60 && c.winrmMaxConnections == 4)
        #expect(c.agentListen == "127.0.0.1:8250")
        #expect(c.agentAllowedClients == ["127.0.0.1", "::1"])
        #expect(c.agentStateDir == "/var/lib/hyperv-agent")
        #expect(c.agentMaxRequestBytes == 1_048_576)
        #expect(c.hypervJobTimeoutSeconds == nil)
        #expect(c.hypervQuiesceFallback == .crashConsistent)
        #expect(c.logLevel == "info" && c.logFormat == .text)
    }

    @Test func everyKeyIsParsed() throws {
        let text = """
            # comment
            winrm.url = https://hv1.example:5986/wsman
            winrm.auth = basic
            winrm.username = HV\\svc-cloudstack
            winrm.password_file = /etc/hyperv-agent/winrm.password
            winrm.ca_file = /etc/ssl/hv-ca.pem
            winrm.verify_tls = false
            winrm.allow_unencrypted = true
            winrm.timeout_seconds = 30
            winrm.max_connections = 8
            winrm.record_dir = /tmp/rec

            agent.listen = [::]:8250
            agent.tls_cert = /etc/hyperv-agent/agent.crt
            agent.tls_key = /etc/hyperv-agent/agent.key
            agent.allowed_clients = 10.1.0.0/16, 192.168.7.20, fd00::/8
            agent.upstream = https://10.1.1.5:8250
            agent.state_dir = /srv/hv
            agent.max_request_bytes = 2048
            hyperv.job_timeout_seconds = 900
            hyperv.quiesce_fallback = fail
            log.level = debug
            log.format = json
            metrics.listen = 127.0.0.1:9250
            log.file = /var/log/hyperv-agent.log
            extension.fallback = /usr/share/cloudstack-management/extensions/HyperV/hyperv.py
            """
        let c = try ConfigParser.parse(text)
        #expect(c.logFile == "/var/log/hyperv-agent.log")
        #expect(c.extensionFallback == "/usr/share/cloudstack-management/extensions/HyperV/hyperv.py")
        #expect(throws: ConfigError.self) { try ConfigParser.parse("extension.fallback = hyperv.py") }
        #expect(c.winrmAuth == .basic && c.winrmUsername == "HV\\svc-cloudstack")
        #expect(
            !c.winrmVerifyTLS && c.winrmAllowUnencrypted && c.winrmTimeoutSeconds == 30 && c.winrmMaxConnections == 8)
        #expect(c.agentAllowedClients == ["10.1.0.0/16", "192.168.7.20", "fd00::/8"])
        #expect(c.hypervJobTimeoutSeconds == 900 && c.hypervQuiesceFallback == .fail)
        #expect(c.logFormat == .json && c.metricsListen == "127.0.0.1:9250")
        #expect(c.agentListen == "[::]:8250")
    }

    @Test func errorsNameTheLine() {
        let cases: [(String, ConfigError.Code, String)] = [
            ("winrm.url = https://h/wsman\nwinrm.usrname = x", .unknownKey, "line 2"),
            ("\n\nwinrm.timeout_seconds = soon", .badValue, "line 3"),
            ("winrm.auth = kerberos", .badValue, "line 1"),
            ("just words", .syntax, "line 1"),
            ("log.level = info\nlog.level = debug", .duplicateKey, "line 2"),
            ("agent.allowed_clients = 10.0.0.0/33", .badValue, "line 1"),
            ("winrm.verify_tls = yes", .badValue, "line 1"),
        ]
        for (text, code, line) in cases {
            #expect {
                try ConfigParser.parse(text)
            } throws: { error in
                guard let error = error as? ConfigError else { return false }
                return error.code == code && error.description.contains(line)
            }
        }
    }

    @Test func unknownKeySuggestsTheClosest() {
        let error = #expect(throws: ConfigError.self) { try ConfigParser.parse("winrm.usrname = x") }
        #expect(error?.description.contains("did you mean 'winrm.username'") == true)
    }

    @Test func overridesWinAndAreChecked() throws {
        let c = try ConfigParser.parse(
            "winrm.url = https://a/wsman\n", overrides: ["winrm.url=https://b/wsman", "log.level = debug"])
        #expect(c.winrmURL == "https://b/wsman" && c.logLevel == "debug")
        #expect(throws: ConfigError.self) { try ConfigParser.parse("", overrides: ["winrm.nope=1"]) }
    }

    @Test func tlsCertAndKeyGoTogether() {
        #expect(throws: ConfigError.self) { try ConfigParser.parse("agent.tls_cert = /a.pem") }
    }

    @Test func cidrMatching() throws {
        let block = try #require(CIDR.parse("10.1.0.0/16"))
        #expect(block.contains("10.1.200.3") && !block.contains("10.2.0.1"))
        #expect(block.contains("::ffff:10.1.0.9"))
        let v6 = try #require(CIDR.parse("::1"))
        #expect(v6.contains("::1") && !v6.contains("::2"))
        #expect(CIDR.parse("fd00::/8")?.contains("fd12:3456::1") == true)
        #expect(CIDR.parse("300.1.1.1") == nil && CIDR.parse("1:2:3:4:5:6:7:8:9") == nil)
    }
}

@Suite struct PasswordSourceTests {
    func write(_ text: String, mode: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test func environmentWins() throws {
        var c = AgentConfiguration()
        c.winrmPasswordFile = "/nonexistent"
        #expect(
            try PasswordSource.resolve(c, environment: [PasswordSource.environmentVariable: "from-env"]) == "from-env")
    }

    @Test func privateFileIsReadWithoutTrailingNewline() throws {
        for mode in [0o600, 0o400] {
            var c = AgentConfiguration()
            c.winrmPasswordFile = try write("s3cret&<\n", mode: mode)
            #expect(try PasswordSource.resolve(c, environment: [:]) == "s3cret&<")
        }
    }

    @Test func groupOrWorldReadableFileIsRefused() throws {
        var c = AgentConfiguration()
        c.winrmPasswordFile = try write("TopSecretValue", mode: 0o644)
        let error = #expect(throws: ConfigError.self) { try PasswordSource.resolve(c, environment: [:]) }
        #expect(error?.code == .insecurePermissions)
        #expect(error?.description.contains("chmod 600") == true)
        #expect(error?.description.contains("TopSecretValue") == false)
    }

    @Test func missingFileIsUnreadable() {
        var c = AgentConfiguration()
        c.winrmPasswordFile = "/nonexistent/pw"
        #expect(throws: ConfigError(code: .unreadable, location: "", message: "")) {
            try PasswordSource.resolve(c, environment: [:])
        }
    }
}

@Suite struct ExampleConfigTests {
    static var examplePath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("agent.conf.example").path
    }

    @Test func exampleParsesAndDocumentsEveryKey() throws {
        let text = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let parsed = try ConfigParser.parse(text, source: "agent.conf.example")
        #expect(parsed.winrmURL != nil)
        for key in ConfigKey.allCases {
            #expect(text.contains(key.rawValue + " ="), "agent.conf.example does not document \(key.rawValue)")
        }
        // Uncommenting every documented key still parses (the commented values are valid too).
        let uncommented = text.split(separator: "\n").map { line -> String in
            let l = String(line)
            return ConfigKey.allCases.contains { l.hasPrefix("#" + $0.rawValue + " =") } ? String(l.dropFirst()) : l
        }.joined(separator: "\n")
        #expect(throws: Never.self) { try ConfigParser.parse(uncommented, source: "uncommented example") }
    }

    /// The extension's example: parses without winrm.url (the payload carries the host) and names the fallback.
    @Test func extensionExampleParses() throws {
        let path = (Self.examplePath as NSString).deletingLastPathComponent + "/extension.conf.example"
        let parsed = try ConfigParser.parse(
            try String(contentsOfFile: path, encoding: .utf8), source: "extension.conf.example")
        #expect(parsed.winrmURL == nil)
        #expect(parsed.extensionFallback?.hasSuffix("/HyperV/hyperv-stock.py") == true)
    }
}
