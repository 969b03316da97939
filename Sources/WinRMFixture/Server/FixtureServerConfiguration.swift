/// How a fixture server listens and whom it lets in.
public struct FixtureServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (the URL is reported once listening).
    public var port: Int = 0
    /// Basic-auth credentials every request must carry (real WinRM: 401 otherwise).
    public var username: String = "administrator"
    public var password: String = "fixture-password"
    /// PEM certificate chain and key; when set the fixture speaks HTTPS.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Largest request accepted.
    public var maxRequestBytes: Int = 4 << 20
    /// The `WWW-Authenticate` challenges of a 401, in order. Without a `Basic` one, Basic credentials are refused
    /// too (a Windows host in its default state offers `Negotiate` and `Kerberos` only).
    public var offeredAuthSchemes: [String] = ["Negotiate", "Basic realm=\"WSMAN\""]

    var acceptsBasic: Bool { offeredAuthSchemes.contains { $0.lowercased().hasPrefix("basic") } }

    /// Negotiate as a Windows listener does it (per connection; message encryption). `nil`: Basic only.
    public struct NegotiateSettings: Sendable {
        /// Kerberos: the service keytab (`HTTP/host@REALM`). `nil`: no Kerberos.
        public var keytab: String?
        /// NTLM: a gss-ntlmssp users file (`DOMAIN:user:password` lines). gss-ntlmssp reads it through the
        /// environment variable `NTLM_USER_FILE`, which `FixtureServer.start` sets for the whole process. `nil`: no NTLM.
        public var ntlmUsersFile: String?
        /// `AllowUnencrypted = false` (a Windows host's default): over http, plain-text messages — Basic, or after a
        /// Negotiate handshake — are refused with 401; only sealed messages pass.
        public var requireEncryption = false
        /// `CbtHardeningLevel=Strict` (HTTPS only): clients must bind their authentication to this server's
        /// certificate (`tls-server-end-point` channel bindings).
        public var requireChannelBinding = false

        public init(
            keytab: String? = nil, ntlmUsersFile: String? = nil, requireEncryption: Bool = false,
            requireChannelBinding: Bool = false
        ) {
            self.keytab = keytab
            self.ntlmUsersFile = ntlmUsersFile
            self.requireEncryption = requireEncryption
            self.requireChannelBinding = requireChannelBinding
        }
    }

    public var negotiate: NegotiateSettings?

    public init() {}
}
