import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// `GET /metrics` on `metrics.listen`, plain HTTP (bind it to loopback or a management network).
public enum MetricsEndpoint {
    public static func application(metrics: AgentMetrics, host: String, port: Int, logger: Logger)
        -> some ApplicationProtocol
    {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "hyperv-agent"),
            logger: logger)
    }
}
