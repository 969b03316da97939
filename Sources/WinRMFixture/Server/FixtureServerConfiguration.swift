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

    public init() {}
}
