/// Parses `agent.conf`: `key = value` lines, `#` comment lines, blank lines. Unknown keys, repeated keys and bad
/// values are errors naming the line. Overrides (`--set key=value`) are applied after the file, same rules.
public enum ConfigParser {
    public static func parse(_ text: String, source: String = "agent.conf", overrides: [String] = [])
        throws(ConfigError) -> AgentConfiguration
    {
        var configuration = AgentConfiguration()
        var seen: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            let location = "\(source) line \(index + 1)"
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(code: .syntax, location: location, message: "expected 'key = value', got '\(line)'")
            }
            let key = line[..<equals].trimmingWhitespace()
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            if let first = seen[key] {
                throw ConfigError(
                    code: .duplicateKey, location: location, message: "'\(key)' is already set on line \(first)")
            }
            seen[key] = index + 1
            try apply(key: key, value: value, to: &configuration, location: location)
        }
        for override in overrides {
            guard let equals = override.firstIndex(of: "=") else {
                throw ConfigError(code: .syntax, location: "--set \(override)", message: "expected --set key=value")
            }
            let key = override[..<equals].trimmingWhitespace()
            try apply(
                key: key, value: override[override.index(after: equals)...].trimmingWhitespace(), to: &configuration,
                location: "--set \(key)")
        }
        if (configuration.agentTLSCert == nil) != (configuration.agentTLSKey == nil) {
            throw ConfigError(
                code: .badValue, location: source, message: "agent.tls_cert and agent.tls_key must be set together")
        }
        return configuration
    }

    static func apply(key: String, value: String, to c: inout AgentConfiguration, location: String) throws(ConfigError)
    {
        guard let known = ConfigKey(rawValue: key) else {
            let suggestion = ConfigKey.allCases.map(\.rawValue).min { distance($0, key) < distance($1, key) } ?? ""
            throw ConfigError(
                code: .unknownKey, location: location, message: "unknown key '\(key)' (did you mean '\(suggestion)'?)")
        }
        func bad(_ expected: String) -> ConfigError {
            ConfigError(code: .badValue, location: location, message: "\(key) must be \(expected), got '\(value)'")
        }
        func bool() throws(ConfigError) -> Bool {
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default: throw bad("true or false")
            }
        }
        func positive() throws(ConfigError) -> Int {
            guard let number = Int(value), number > 0 else { throw bad("a positive whole number") }
            return number
        }
        func text() throws(ConfigError) -> String {
            guard !value.isEmpty else { throw bad("a non-empty value") }
            return value
        }
        func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type) throws(ConfigError) -> T where T.RawValue == String {
            guard let parsed = T(rawValue: value) else {
                throw bad(T.allCases.map(\.rawValue).joined(separator: " | "))
            }
            return parsed
        }
        switch known {
        case .winrmURL:
            let url = try text()
            guard url.lowercased().hasPrefix("https://") || url.lowercased().hasPrefix("http://") else {
                throw bad("an http(s):// URL")
            }
            c.winrmURL = url
        case .winrmAuth: c.winrmAuth = try oneOf(AgentConfiguration.WinRMAuth.self)
        case .winrmUsername: c.winrmUsername = try text()
        case .winrmPasswordFile: c.winrmPasswordFile = try text()
        case .winrmCAFile: c.winrmCAFile = try text()
        case .winrmVerifyTLS: c.winrmVerifyTLS = try bool()
        case .winrmAllowUnencrypted: c.winrmAllowUnencrypted = try bool()
        case .winrmMessageEncryption:
            c.winrmMessageEncryption = try oneOf(AgentConfiguration.MessageEncryption.self)
        case .winrmKerberosKeytab: c.winrmKerberosKeytab = try text()
        case .winrmKerberosPrincipal: c.winrmKerberosPrincipal = try text()
        case .winrmServiceHost: c.winrmServiceHost = try text()
        case .lifecyclePreserveCheckpoints: c.lifecyclePreserveCheckpoints = try bool()
        case .lifecycleShutdownTimeoutSeconds: c.lifecycleShutdownTimeoutSeconds = try positive()
        case .lifecycleExportRoot: c.lifecycleExportRoot = try text()
        case .winrmChannelBinding: c.winrmChannelBinding = try oneOf(AgentConfiguration.ChannelBinding.self)
        case .winrmTimeoutSeconds: c.winrmTimeoutSeconds = try positive()
        case .winrmMaxConnections: c.winrmMaxConnections = try positive()
        case .winrmRecordDir: c.winrmRecordDir = try text()
        case .agentListen:
            guard HostPort.parse(value) != nil else { throw bad("HOST:PORT (IPv6 as [::1]:8250)") }
            c.agentListen = value
        case .agentTLSCert: c.agentTLSCert = try text()
        case .agentTLSKey: c.agentTLSKey = try text()
        case .agentAllowedClients:
            let entries = value.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            guard !entries.isEmpty, entries.allSatisfy({ CIDR.parse($0) != nil }) else {
                throw bad("a comma-separated list of IP addresses or CIDR blocks")
            }
            c.agentAllowedClients = entries
        case .agentUpstream:
            guard value.lowercased().hasPrefix("https://") || value.lowercased().hasPrefix("http://") else {
                throw bad("an http(s):// URL")
            }
            c.agentUpstream = value
        case .agentStateDir: c.agentStateDir = try text()
        case .agentMaxRequestBytes: c.agentMaxRequestBytes = try positive()
        case .hypervJobTimeoutSeconds: c.hypervJobTimeoutSeconds = try positive()
        case .hypervQuiesceFallback: c.hypervQuiesceFallback = try oneOf(AgentConfiguration.QuiesceFallback.self)
        case .hypervChainWarnDepth: c.hypervChainWarnDepth = try positive()
        case .logLevel:
            guard AgentConfiguration.logLevels.contains(value) else {
                throw bad(AgentConfiguration.logLevels.joined(separator: " | "))
            }
            c.logLevel = value
        case .logFormat: c.logFormat = try oneOf(AgentConfiguration.LogFormat.self)
        case .logFile: c.logFile = try text()
        case .extensionFallback:
            guard value.hasPrefix("/") else { throw bad("an absolute path to an executable") }
            c.extensionFallback = value
        case .metricsListen:
            guard HostPort.parse(value) != nil else { throw bad("HOST:PORT") }
            c.metricsListen = value
        }
    }

    /// Edit distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let c = slice.first, c.isWhitespace { slice.removeFirst() }
        while let c = slice.last, c.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
