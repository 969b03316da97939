/// The parsed configuration. Defaults are those documented in `agent.conf.example`.
public struct AgentConfiguration: Sendable, Equatable {
    public enum WinRMAuth: String, Sendable, CaseIterable { case basic, ntlm, negotiate }
    /// WinRM message encryption (SPNEGO sealing) — auto: on for http://, off for https://.
    public enum MessageEncryption: String, Sendable, CaseIterable { case auto, always, never }
    /// TLS channel bindings for Negotiate — auto: sent over https.
    public enum ChannelBinding: String, Sendable, CaseIterable { case auto, never }
    public enum QuiesceFallback: String, Sendable, CaseIterable {
        case crashConsistent = "crash-consistent"
        case fail
    }
    public enum LogFormat: String, Sendable, CaseIterable { case text, json }
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public var winrmURL: String?
    /// Keep VMs with checkpoints across CloudStack's stop/start (DESIGN §10).
    public var lifecyclePreserveCheckpoints = true
    public var lifecycleShutdownTimeoutSeconds = 120
    public var lifecycleExportRoot: String?
    public var winrmAuth: WinRMAuth = .negotiate
    public var winrmUsername: String?
    public var winrmPasswordFile: String?
    public var winrmCAFile: String?
    public var winrmVerifyTLS = true
    public var winrmAllowUnencrypted = false
    public var winrmMessageEncryption: MessageEncryption = .auto
    /// Client keytab and its principal (`user@REALM`) for Kerberos without a ticket cache.
    public var winrmKerberosKeytab: String?
    public var winrmKerberosPrincipal: String?
    /// The host of the service principal `HTTP/<host>` (default: the host of winrm.url).
    public var winrmServiceHost: String?
    /// Bind Negotiate to the host's TLS certificate over https (`CbtHardeningLevel=Strict` needs it).
    public var winrmChannelBinding: ChannelBinding = .auto
    public var winrmTimeoutSeconds = 60
    public var winrmMaxConnections = 4
    public var winrmRecordDir: String?
    public var agentListen = "127.0.0.1:8250"
    public var agentTLSCert: String?
    public var agentTLSKey: String?
    public var agentAllowedClients = ["127.0.0.1", "::1"]
    public var agentUpstream: String?
    public var agentStateDir = "/var/lib/hyperv-agent"
    public var agentMaxRequestBytes = 1_048_576
    /// `nil`: the command's `wait`, else 1800 s.
    public var hypervJobTimeoutSeconds: Int?
    public var hypervQuiesceFallback: QuiesceFallback = .crashConsistent
    /// `checkpoints verify` warns when a disk chain has more differencing files than this.
    public var hypervChainWarnDepth = 8
    public var logLevel = "info"
    public var logFormat: LogFormat = .text
    public var metricsListen: String?
    /// `log.file`: append log lines to this file instead of stderr (the extension entry point's default is
    /// `<agent.state_dir>/extension.log`, since its stderr reaches CloudStack).
    public var logFile: String?
    /// `extension.fallback`: the program `hyperv-agent extension` runs for actions it does not handle (the stock
    /// `hyperv.py`), with the same arguments.
    public var extensionFallback: String?

    public init() {}

    /// The WinRM URL, or an error saying how to set it.
    public func requireWinRMURL() throws(ConfigError) -> String {
        guard let winrmURL, !winrmURL.isEmpty else {
            throw ConfigError(
                code: .missing, location: "",
                message: "winrm.url is required (e.g. winrm.url = https://hyperv01:5986/wsman)")
        }
        return winrmURL
    }
}
