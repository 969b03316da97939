import Foundation
import Logging
import WSMan
import WSManCurl
import WinRMFixture

/// What Negotiate and WinRM message encryption cost: round trips per new connection (the handshake) and time per
/// request once a connection is authenticated, sealed (http) against Basic in plain text, on loopback.
enum NegotiateProfile {
    struct Figures {
        var label: String
        var firstRequestMs: Double
        var perRequestMicroseconds: Double
        var handshakeLegsPerConnection: Double
        var sealed: Int
    }

    static func run(logger: Logger) async throws -> [Figures] {
        let users = NSTemporaryDirectory() + "hyperv-bench-users-\(getpid())"
        let password = "n-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try "BENCH:bench:\(password)\n".write(toFile: users, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: users) }
        var server = FixtureServerConfiguration()
        server.username = "bench"
        server.password = password
        server.negotiate = .init(ntlmUsersFile: users)
        let fixture = try await FixtureServer.start(
            responder: HyperVSimulator(), configuration: server, logger: logger)
        defer { Task { await fixture.stop() } }

        var results: [Figures] = []
        for (label, auth) in [
            ("Basic, plain text (http)", CurlTransportConfiguration.Authentication.basic),
            ("Negotiate/NTLM, sealed (http)", .negotiate),
        ] {
            var settings = CurlTransportConfiguration(url: fixture.url)
            settings.authentication = auth
            settings.allowUnencrypted = auth == .basic
            settings.username = auth == .basic ? "bench" : "BENCH\\bench"
            settings.password = password
            settings.maxConnections = 1
            let legsBefore = fixture.negotiate?.currentStatistics
            let client = WSManClient(transport: try CurlTransport(configuration: settings))
            let start = ContinuousClock.now
            _ = try await client.identify()
            let first = ms(ContinuousClock.now - start)
            let count = 2000
            let loop = ContinuousClock.now
            for _ in 0..<count { _ = try await client.identify() }
            let perRequest = ms(ContinuousClock.now - loop) * 1000 / Double(count)
            let legsAfter = fixture.negotiate?.currentStatistics
            results.append(
                Figures(
                    label: label, firstRequestMs: first, perRequestMicroseconds: perRequest,
                    handshakeLegsPerConnection: Double((legsAfter?.handshakeLegs ?? 0) - (legsBefore?.handshakeLegs ?? 0)),
                    sealed: (legsAfter?.sealedMessages ?? 0) - (legsBefore?.sealedMessages ?? 0)))
        }
        return results
    }
}
