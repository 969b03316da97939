import AgentConfig

/// What `hyperv-agent serve` listens on and whom it answers (DESIGN.md §4–§5).
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

    public func allows(_ address: String?) -> Bool {
        guard let address else { return false }
        return allowedClients.contains { $0.contains(address) }
    }
}
