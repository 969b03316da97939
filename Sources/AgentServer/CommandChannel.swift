import CloudStack
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import WSMan
import WSManCurl

/// CloudStack's Hyper-V command channel (`HypervDirectConnectResource` ↔ agent), as README.md "The command channel" describes it:
///
/// * `POST /api/HypervResource/<command FQCN>` with the bare command JSON → `200 [{"<Answer FQCN>":{…}}]`,
///   also for failures (`result:false`), since the management server casts the answer before reading it;
/// * other commands → forwarded unchanged to `agent.upstream`, else 404 (CloudStack builds an UnsupportedAnswer);
/// * `StopCommand` / `StartCommand` → ``LifecycleInterceptor`` first (a VM with checkpoints is kept across the legacy
///   agent's destroy and re-create), then forwarded;
/// * 403 outside `agent.allowed_clients`, 413 over `agent.max_request_bytes`, 400 for bodies that are not JSON;
/// * `GET /api/HypervResource` → a liveness string.
public enum CommandChannel {
    public static let livenessText = "HypervResource controller running (hyperv-agent)"

    public static func router(
        dispatcher: CommandDispatcher, configuration: ChannelConfiguration, lifecycle: LifecycleInterceptor? = nil
    ) -> Router<ChannelRequestContext> {
        let router = Router(context: ChannelRequestContext.self)
        router.add(middleware: AllowListMiddleware(configuration: configuration))
        router.get("api/HypervResource") { _, _ -> Response in
            text(.ok, livenessText)
        }
        router.post("api/HypervResource/:command") { request, context -> Response in
            let commandClass = context.parameters.get("command") ?? ""
            let bytes: [UInt8]
            do {
                bytes = Array(try await request.body.collect(upTo: configuration.maxRequestBytes).readableBytesView)
            } catch {
                context.logger.warning(
                    "request body too large",
                    metadata: ["cloudstack.command": "\(commandClass)", "limit": "\(configuration.maxRequestBytes)"])
                return text(
                    .contentTooLarge,
                    "the command body exceeds agent.max_request_bytes (\(configuration.maxRequestBytes))")
            }
            let requestID = context.id
            // StopCommand / StartCommand of VMs with checkpoints: kept across the legacy agent's destroy/re-create.
            if let lifecycle, LifecycleInterceptor.intercepts(commandClass) {
                let contentType = request.headers[.contentType]
                let logger = context.logger
                let decision = await lifecycle.intercept(commandClass: commandClass, body: bytes) {
                    guard let upstream = configuration.upstream else {
                        return text(.notFound, "unsupported command \(commandClass)")
                    }
                    return await forward(
                        commandClass: commandClass, body: bytes, upstream: upstream, contentType: contentType,
                        logger: logger)
                }
                switch decision {
                case .answer(let answer):
                    return Response(
                        status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(answer))))
                case .forwarded(let reply):
                    return reply
                case .pass:
                    break
                }
            }
            switch await dispatcher.dispatch(commandClass: commandClass, body: bytes, requestID: requestID) {
            case .answered(let answer, _):
                return Response(
                    status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(answer))))
            case .undecodable(let reason):
                context.logger.warning(
                    "undecodable command body",
                    metadata: ["cloudstack.command": "\(commandClass)", "reason": "\(reason)"])
                return text(.badRequest, "the body of \(commandClass) is not JSON: \(reason)")
            case .unknownCommand:
                guard let upstream = configuration.upstream else {
                    context.logger.info("unsupported command", metadata: ["cloudstack.command": "\(commandClass)"])
                    return text(.notFound, "unsupported command \(commandClass)")
                }
                return await forward(
                    commandClass: commandClass, body: bytes, upstream: upstream,
                    contentType: request.headers[.contentType], logger: context.logger)
            }
        }
        return router
    }

    /// Relays a command the agent does not handle to the upstream agent, unchanged, and relays its reply.
    static func forward(commandClass: String, body: [UInt8], upstream: String, contentType: String?, logger: Logger)
        async -> Response
    {
        let base = upstream.hasSuffix("/") ? String(upstream.dropLast()) : upstream
        let url = "\(base)/api/HypervResource/\(commandClass)"
        do {
            let reply = try await CurlHTTPForwarder().post(
                url: url, contentType: contentType ?? "application/json", body: body)
            logger.info(
                "forwarded to upstream",
                metadata: ["cloudstack.command": "\(commandClass)", "http.status": "\(reply.status)"])
            return Response(
                status: HTTPResponse.Status(code: reply.status),
                headers: [.contentType: reply.contentType ?? "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        } catch {
            logger.error(
                "upstream unreachable", metadata: ["cloudstack.command": "\(commandClass)", "error": "\(error)"])
            // Not a 200: the management server turns it into an UnsupportedAnswer, as it would for a dead agent.
            return text(.badGateway, "upstream agent \(upstream) failed: \(error.message)")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    /// The application: HTTPS when a certificate is configured.
    public static func application(
        dispatcher: CommandDispatcher, configuration: ChannelConfiguration, lifecycle: LifecycleInterceptor? = nil,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        return Application(
            router: router(dispatcher: dispatcher, configuration: configuration, lifecycle: lifecycle), server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "hyperv-agent"),
            onServerRunning: onServerRunning, logger: logger)
    }
}
