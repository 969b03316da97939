import WSMan

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

    /// `https://host:5986/wsman` (or `http://…:5985/wsman` with ``allowUnencrypted``).
    public var url: String
    public var authentication: Authentication = .negotiate
    public var username: String?
    /// Never logged, never part of an error message.
    public var password: String?
    /// PEM bundle of CAs to trust instead of the system store.
    public var caFile: String?
    public var verifyTLS: Bool = true
    public var allowUnencrypted: Bool = false
    /// Whole-request timeout.
    public var timeoutSeconds: Int = 60
    /// Connections kept to the host (each one reused with keep-alive).
    public var maxConnections: Int = 4
    /// Largest answer accepted.
    public var maxResponseBytes: Int = 16 << 20
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
        if lower.hasPrefix("http://") && !allowUnencrypted {
            throw TransportError(
                code: .configuration,
                message:
                    "winrm.url \(url) is unencrypted http://; use https:// (port 5986) or set winrm.allow_unencrypted = true"
            )
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
