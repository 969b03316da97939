import WSMan
import WinRMSecurity

/// How to reach one WinRM endpoint.
public struct CurlTransportConfiguration: Sendable {
    public enum Authentication: String, Sendable, CaseIterable {
        /// `Authorization: Basic` (HTTPS; plain HTTP only with `allowUnencrypted`).
        case basic
        /// libcurl's NTLM scheme (`Authorization: NTLM`): only for hosts that also offer `NTLM`.
        case ntlm
        /// SPNEGO via GSS-API: Kerberos, or NTLM inside Negotiate through gss-ntlmssp (what WinRM offers).
        case negotiate
    }

    /// WinRM message encryption: SPNEGO sealing of every message over the connection's security context.
    public enum MessageEncryption: String, Sendable, CaseIterable {
        /// On for `http://`, off for `https://` (TLS already encrypts).
        case auto
        case always
        case never
    }

    /// Kerberos from a client keytab instead of a ticket cache.
    public struct KerberosKeytab: Sendable, Equatable {
        public var principal: String
        public var path: String
        public init(principal: String, path: String) {
            self.principal = principal
            self.path = path
        }
    }

    /// `https://host:5986/wsman`, or `http://…:5985/wsman` with message encryption (or ``allowUnencrypted``).
    public var url: String
    public var authentication: Authentication = .negotiate
    public var username: String?
    /// Never logged, never part of an error message.
    public var password: String?
    /// PEM bundle of CAs to trust instead of the system store.
    public var caFile: String?
    public var verifyTLS: Bool = true
    public var allowUnencrypted: Bool = false
    public var messageEncryption: MessageEncryption = .auto
    public var kerberosKeytab: KerberosKeytab?
    /// The host of the service principal `HTTP/<host>`; default the host of ``url``.
    public var serviceHost: String?
    /// Negotiate over https: bind the authentication to the host's certificate (`tls-server-end-point`).
    public var channelBinding = true
    /// Whole-request timeout.
    public var timeoutSeconds: Int = 60
    /// Connections kept to the host (each one reused with keep-alive).
    public var maxConnections: Int = 4
    /// Largest answer accepted.
    public var maxResponseBytes: Int = 16 << 20
    /// Whether messages are sealed on this endpoint (Negotiate only).
    public var sealsMessages: Bool {
        guard authentication == .negotiate else { return false }
        switch messageEncryption {
        case .always: return true
        case .never: return false
        case .auto: return url.lowercased().hasPrefix("http://")
        }
    }

    /// The host named in the service principal: ``serviceHost``, else the host of ``url`` (no brackets).
    public var principalHost: String {
        if let serviceHost, !serviceHost.isEmpty { return serviceHost }
        return Self.host(of: url) ?? "localhost"
    }

    static func host(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        return authority.split(separator: ":").first.map(String.init)
    }

    /// Whether gss-ntlmssp is there for NTLM inside Negotiate (tests replace it to play either machine).
    public var ntlmMechanismInstalled: @Sendable () -> Bool = { AuthenticationDiagnosis.ntlmMechanismInstalled() }
    /// Whether a Kerberos ticket cache is in reach (tests replace it).
    public var kerberosTicketAvailable: @Sendable () -> Bool = { AuthenticationDiagnosis.kerberosCacheExists() }

    public init(url: String) {
        self.url = url
    }

    /// Checks the combination before any connection is made.
    public func validate() throws(TransportError) {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw TransportError(
                code: .configuration, message: "winrm.url must start with https:// or http:// (got \(url))")
        }
        if messageEncryption == .always && authentication != .negotiate {
            throw TransportError(
                code: .configuration,
                message:
                    "winrm.message_encryption = always needs winrm.auth = negotiate (WinRM seals messages with the SPNEGO context); winrm.auth is \(authentication.rawValue)"
            )
        }
        if lower.hasPrefix("http://") && !sealsMessages && !allowUnencrypted {
            throw TransportError(
                code: .configuration,
                message: authentication == .negotiate
                    ? "winrm.url \(url) is http:// and winrm.message_encryption = never would send SOAP in plain text; use winrm.message_encryption = auto, https:// (port 5986), or set winrm.allow_unencrypted = true"
                    : "winrm.url \(url) is unencrypted http:// with winrm.auth = \(authentication.rawValue); use winrm.auth = negotiate (message encryption), https:// (port 5986), or set winrm.allow_unencrypted = true"
            )
        }
        if let keytab = kerberosKeytab, keytab.principal.isEmpty || keytab.path.isEmpty {
            throw TransportError(
                code: .configuration,
                message: "winrm.kerberos_keytab and winrm.kerberos_principal must be set together")
        }
        if let authority = lower.split(separator: "/").dropFirst().first, authority.contains("@") {
            throw TransportError(
                code: .configuration,
                message: "winrm.url must not carry credentials; use winrm.username and winrm.password_file")
        }
        guard maxConnections >= 1, timeoutSeconds >= 1 else {
            throw TransportError(
                code: .configuration, message: "winrm.max_connections and winrm.timeout_seconds must be at least 1")
        }
    }
}
