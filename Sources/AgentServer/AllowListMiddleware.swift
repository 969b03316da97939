import HTTPTypes
import Hummingbird

/// Refuses (403, logged) every request from outside `agent.allowed_clients`.
struct AllowListMiddleware: RouterMiddleware {
    typealias Context = ChannelRequestContext
    let configuration: ChannelConfiguration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard configuration.allows(context.clientAddress) else {
            context.logger.warning(
                "request refused: client not in agent.allowed_clients",
                metadata: [
                    "client": "\(context.clientAddress ?? "unknown")", "http.path": "\(request.uri.path)",
                ])
            return Response(
                status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: "client \(context.clientAddress ?? "unknown") is not in agent.allowed_clients\n")))
        }
        return try await next(request, context)
    }
}
