import WSMan

/// Counts every WS-Man exchange (and its failures) into ``AgentMetrics``.
public struct MetricsTransport: WSManTransport {
    public let base: any WSManTransport
    public let metrics: AgentMetrics

    public init(base: any WSManTransport, metrics: AgentMetrics) {
        self.base = base
        self.metrics = metrics
    }

    public var endpoint: String { base.endpoint }

    public func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse {
        do {
            let response = try await base.send(envelope, action: action)
            metrics.roundTrip(
                action: action,
                failure: response.status == 200
                    ? nil : response.status == 401 ? "unauthorized" : "http_\(response.status)")
            return response
        } catch let error as TransportError {
            metrics.roundTrip(action: action, failure: "transport_\(error.code)")
            throw error
        } catch {
            metrics.roundTrip(action: action, failure: "transport_other")
            throw error
        }
    }
}
