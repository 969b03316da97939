import AgentConfig

/// What `hyperv-agent serve` listens on and whom it answers (`agent.*` keys; the channel in README.md).
public struct ChannelConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8250
    /// PEM paths; `nil` serves plain HTTP (tests only — `serve` always has a certificate).
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var allowedClients: [CIDR] = [CIDR.parse("127.0.0.1")!, CIDR.parse("::1")!]
    /// Another agent that receives every command this one does not handle.
    public var upstream: String?
    public var maxRequestBytes: Int = 1_048_576

    public init() {}

    /// The channel as `agent.conf` describes it; the certificate comes from `agent.tls_cert`/`agent.tls_key` when
    /// both are set (else the caller provides one).
    public init(_ configuration: AgentConfiguration) throws(ConfigError) {
        guard let listen = HostPort.parse(configuration.agentListen) else {
            throw ConfigError(
                code: .badValue, location: ConfigKey.agentListen.rawValue,
                message: "\(configuration.agentListen) is not HOST:PORT")
        }
        host = listen.host
        port = listen.port
        allowedClients = configuration.agentAllowedClients.compactMap(CIDR.parse)
        upstream = configuration.agentUpstream
        maxRequestBytes = configuration.agentMaxRequestBytes
        if let certificate = configuration.agentTLSCert, let key = configuration.agentTLSKey {
            tlsCertificatePath = certificate
            tlsKeyPath = key
        }
    }

    public func allows(_ address: String?) -> Bool {
        guard let address else { return false }
        return allowedClients.contains { $0.contains(address) }
    }
}
