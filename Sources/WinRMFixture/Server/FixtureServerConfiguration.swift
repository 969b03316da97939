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

    public init() {}
}
