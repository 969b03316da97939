import Foundation

/// `GET /fixture/auth` of a `winrm-fixture` process speaking Negotiate: what its acceptor saw.
public struct FixtureAuthStatistics: Decodable, Sendable {
    public var handshakeLegs: Int
    public var handshakes: Int
    public var sealedMessages: Int
    public var plainMessages: Int
    public var refusals: Int
    public var expiredContexts: Int
    public var lastMechanism: String?
    public var lastClient: String?

    /// Fetched from the fixture whose WS-Man URL is `url` (http or https, any certificate).
    public static func fetch(_ url: String) async throws -> FixtureAuthStatistics {
        let base = url.hasSuffix("/wsman") ? String(url.dropLast("/wsman".count)) : url
        let result = try await ChildProcess.run("/usr/bin/curl", ["-sS", "-k", "\(base)/fixture/auth"])
        return try JSONDecoder().decode(FixtureAuthStatistics.self, from: Data(result.stdout.utf8))
    }
}
