import Logging
import Synchronization
import WSMan
import WinRMSecurity

/// The libcurl ``WSManTransport``: HTTPS with verification on by default, Basic / NTLM / Negotiate (the agent's own
/// SPNEGO handshake, with WinRM message encryption over http),
/// keep-alive connections from a bounded pool, a per-request timeout and cancellation.
///
/// Passwords and `Authorization` headers never reach the logger or an error message.
public final class CurlTransport: WSManTransport {
    public let configuration: CurlTransportConfiguration
    public var endpoint: String { configuration.url }
    private let pool: ConnectionPool
    private let logger: Logger
    private let counters = Mutex(TransportStatistics())

    /// Counts since this transport was made.
    public struct TransportStatistics: Sendable, Equatable {
        /// Requests that got an HTTP answer.
        public var requests = 0
        /// TCP connections libcurl had to open for them (1 for many requests means keep-alive works).
        public var connectionsOpened = 0
        /// Requests that failed below HTTP.
        public var failures = 0
        /// Negotiate: the mechanism SPNEGO settled on (last established connection) and whether messages are sealed.
        public var mechanism: SecurityMechanism?
        public var messagesSealed = false
    }

    public init(configuration: CurlTransportConfiguration, logger: Logger = Logger(label: "hyperv-agent.winrm"))
        throws(TransportError)
    {
        try configuration.validate()
        self.configuration = configuration
        self.pool = ConnectionPool(
            configuration: configuration, credentials: NegotiateCredentialSource(configuration: configuration))
        self.logger = logger
    }

    public var statistics: TransportStatistics { counters.withLock { $0 } }

    public func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse {
        let connection = try await pool.acquire()
        let box = TransferBox(limit: configuration.maxResponseBytes)
        let started = ContinuousClock.now
        do {
            let outcome = try await withTaskCancellationHandler {
                try await connection.perform(envelope, box: box)
            } onCancel: {
                box.cancelled.store(true, ordering: .relaxed)
            }
            pool.release(connection)
            counters.withLock {
                $0.requests += 1
                $0.connectionsOpened += outcome.newConnections
                if let mechanism = outcome.mechanism {
                    $0.mechanism = mechanism
                    $0.messagesSealed = configuration.sealsMessages
                }
            }
            logger.debug(
                "winrm exchange",
                metadata: [
                    "wsman.action": "\(action)", "http.status": "\(outcome.response.status)",
                    "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
                    "request_bytes": "\(envelope.count)", "response_bytes": "\(outcome.response.body.count)",
                ])
            return outcome.response
        } catch {
            pool.discard()
            counters.withLock { $0.failures += 1 }
            logger.debug("winrm exchange failed", metadata: ["wsman.action": "\(action)", "error": "\(error)"])
            throw error
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
