import Logging
import WinRMFixture

extension FixtureServer {
    /// A fixture on 127.0.0.1 (port 0) answering with `responder`, requiring Basic `user` / `password`, logging
    /// nothing. `configure` adjusts the rest (TLS).
    public static func startQuiet(
        _ responder: any WSManResponder, user: String, password: String, faults: FaultInjector = FaultInjector(),
        inspector: (any FixtureInspector)? = nil, configure: (inout FixtureServerConfiguration) -> Void = { _ in }
    ) async throws -> RunningFixture {
        var server = FixtureServerConfiguration()
        server.username = user
        server.password = password
        configure(&server)
        var logger = Logger(label: "test-fixture")
        logger.logLevel = .critical
        return try await FixtureServer.start(
            responder: responder, configuration: server, faults: faults, inspector: inspector, logger: logger)
    }
}

extension RunningFixture: AsyncStoppable {}
