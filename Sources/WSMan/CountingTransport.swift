import Synchronization

/// Counts the round trips made through a transport (for reports, metrics and round-trip tests).
public final class CountingTransport: WSManTransport {
    public let base: any WSManTransport
    private let counter = Mutex(0)

    public init(base: any WSManTransport) {
        self.base = base
    }

    public var endpoint: String { base.endpoint }

    /// Round trips so far (answered or not).
    public var roundTrips: Int { counter.withLock { $0 } }

    public func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse {
        counter.withLock { $0 += 1 }
        return try await base.send(envelope, action: action)
    }
}
