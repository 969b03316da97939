import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization
import WSMan
import WinRMSecurity

/// A running fixture: its base URL, its request log, and how to stop it.
public final class RunningFixture: Sendable {
    /// `http(s)://127.0.0.1:PORT/wsman`.
    public let url: String
    public let faults: FaultInjector
    /// The Negotiate side, when the fixture speaks it (handshakes, sealed and plain messages, refusals).
    public let negotiate: NegotiateAcceptor?
    private let task: Task<Void, any Error>
    private let log: RequestLog

    init(
        url: String, faults: FaultInjector, negotiate: NegotiateAcceptor?, task: Task<Void, any Error>, log: RequestLog
    ) {
        self.url = url
        self.faults = faults
        self.negotiate = negotiate
        self.task = task
        self.log = log
    }

    deinit { task.cancel() }

    /// `a:Action` of every request received, in order (Identify as `Identify`).
    public var requestLog: [String] { log.entries }

    /// Stops the server (in-flight requests are dropped).
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The HTTP side of `winrm-fixture`: `POST /wsman` with Basic auth or Negotiate (per connection, with WinRM message
/// encryption, see ``NegotiateAcceptor``), fault injection, then a ``WSManResponder``.
///
/// Also serves `GET /fixture/state`, `POST /fixture/cost` and `POST /fixture/faults` when the responder supports them, so a
/// separate process (a test, `make demo`) can inspect and steer it without WS-Man.
public enum FixtureServer {
    public static func start(
        responder: any WSManResponder, configuration: FixtureServerConfiguration = FixtureServerConfiguration(),
        faults: FaultInjector = FaultInjector(), inspector: (any FixtureInspector)? = nil,
        logger: Logger = Logger(label: "winrm-fixture")
    ) async throws -> RunningFixture {
        let log = RequestLog()
        let router = Router(context: FixtureRequestContext.self)
        let expected = "Basic " + Data("\(configuration.username):\(configuration.password)".utf8).base64EncodedString()
        let envelope = ResponseEnvelope()
        let acceptor = try configuration.negotiate.map { settings in
            if let users = settings.ntlmUsersFile { setenv("NTLM_USER_FILE", users, 1) }
            var bindings: [UInt8]?
            if settings.requireChannelBinding {
                guard let certificate = configuration.tlsCertificatePath,
                    let pem = try? String(contentsOfFile: certificate, encoding: .utf8),
                    let computed = ChannelBindings.tlsServerEndPoint(pem: pem)
                else {
                    throw FixtureError(message: "channel binding needs HTTPS with a readable PEM certificate")
                }
                bindings = computed
            }
            do { return try NegotiateAcceptor(keytab: settings.keytab, bindings: bindings) } catch {
                throw FixtureError(message: "the fixture's Negotiate acceptor cannot start: \(error)")
            }
        }
        let plainRefused =
            (configuration.negotiate?.requireEncryption ?? false) && configuration.tlsCertificatePath == nil
        router.post("wsman") { request, context -> Response in
            if let fault = faults.takeHTTPFault() {
                switch fault {
                case .unauthorized:
                    return unauthorized(configuration.offeredAuthSchemes)
                case .internalError:
                    let buffer = try await request.body.collect(upTo: configuration.maxRequestBytes)
                    let body = envelope.fault(
                        code: "Receiver", subcode: NS.wsman, subcodeName: "InternalError",
                        reason: "The WS-Management service cannot process the request (injected fault).",
                        wsmanCode: 2_150_858_752,
                        relatesTo: (try? IncomingRequest.read(Array(buffer.readableBytesView)))?.messageID)
                    return soapResponse(status: 500, body: body)
                case .dropConnection:
                    return Response(
                        status: .ok, headers: [.contentType: "application/soap+xml"],
                        body: ResponseBody { _ in throw CancellationError() })
                case .delay(let milliseconds):
                    try await Task.sleep(for: .milliseconds(milliseconds))
                case .malformedBody:
                    return soapResponse(status: 200, body: Array("<s:Envelope><unterminated".utf8))
                case .failJob, .failJobPolls, .jobWarnings, .vanishJob:
                    break
                }
            }
            let buffer = try await request.body.collect(upTo: configuration.maxRequestBytes)
            var bytes = Array(buffer.readableBytesView)
            let authorization = request.headers[.authorization] ?? ""
            var sealed = false
            var finalToken: [UInt8]?
            if let acceptor, authorization.lowercased().hasPrefix("negotiate") {
                guard let token = NegotiateHeader.token(in: [authorization]), !token.isEmpty else {
                    acceptor.countRefusal()
                    return unauthorized(configuration.offeredAuthSchemes)
                }
                switch acceptor.handshake(token: token, on: context.channel) {
                case .continueWith(let next):
                    return unauthorized([NegotiateHeader.authorization(next)])
                case .refused(let errorToken, let reason):
                    logger.debug("Negotiate refused", metadata: ["reason": "\(reason)"])
                    return unauthorized(
                        errorToken.map { [NegotiateHeader.authorization($0)] } ?? configuration.offeredAuthSchemes)
                case .established(let last):
                    finalToken = last
                    // WinRM clients that encrypt authenticate with an empty POST first: 200, nothing to process.
                    guard !bytes.isEmpty else {
                        var headers = HTTPFields()
                        if !last.isEmpty {
                            headers.append(HTTPField(name: .wwwAuthenticate, value: NegotiateHeader.authorization(last)))
                        }
                        headers[.contentLength] = "0"
                        return Response(status: .ok, headers: headers)
                    }
                    if plainRefused {
                        acceptor.countRefusal()
                        return unauthorized(configuration.offeredAuthSchemes)
                    }
                    acceptor.countPlain()
                }
            } else if let acceptor, acceptor.establishedContext(on: context.channel) != nil {
                if SealedMessage.isSealed(contentType: request.headers[.contentType]) {
                    do {
                        bytes = try acceptor.open(bytes, contentType: request.headers[.contentType], on: context.channel)
                        sealed = true
                    } catch {
                        logger.debug("sealed request refused", metadata: ["reason": "\(error)"])
                        acceptor.countRefusal()
                        return unauthorized(configuration.offeredAuthSchemes)
                    }
                } else if plainRefused {
                    acceptor.countRefusal()
                    return unauthorized(configuration.offeredAuthSchemes)
                } else {
                    acceptor.countPlain()
                }
            } else {
                guard configuration.acceptsBasic, !plainRefused, authorization == expected else {
                    return unauthorized(configuration.offeredAuthSchemes)
                }
            }
            log.append(actionOf(bytes))
            let answer = await responder.respond(to: bytes)
            var response = soapResponse(status: answer.status, body: answer.body, contentType: answer.contentType)
            if sealed, let acceptor {
                do {
                    let body = try acceptor.seal(answer.body, on: context.channel)
                    response = soapResponse(status: answer.status, body: body, contentType: SealedMessage.contentType)
                } catch {
                    return soapResponse(status: 500, body: Array("cannot seal the answer: \(error)".utf8))
                }
            }
            if let finalToken, !finalToken.isEmpty {
                response.headers.append(HTTPField(name: .wwwAuthenticate, value: NegotiateHeader.authorization(finalToken)))
            }
            return response
        }
        if let acceptor {
            router.get("fixture/auth") { _, _ -> Response in
                let json = (try? JSONEncoder().encode(acceptor.currentStatistics)) ?? Data()
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: Array(json))))
            }
        }
        if let inspector {
            router.get("fixture/state") { _, _ -> Response in
                let json = await inspector.stateJSON()
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: json)))
            }
            router.post("fixture/state") { request, _ -> Response in
                let buffer = try await request.body.collect(upTo: 16 << 20)
                do {
                    try await inspector.loadState(json: Array(buffer.readableBytesView))
                    return Response(status: .noContent)
                } catch {
                    return Response(
                        status: .badRequest, headers: [.contentType: "text/plain"],
                        body: .init(byteBuffer: ByteBuffer(string: "not a simulated host state: \(error)\n")))
                }
            }
            router.post("fixture/legacy") { request, _ -> Response in
                let buffer = try await request.body.collect(upTo: 1 << 20)
                do {
                    let answer = try await inspector.legacy(json: Array(buffer.readableBytesView))
                    return Response(
                        status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: answer)))
                } catch {
                    return Response(
                        status: .badRequest, headers: [.contentType: "text/plain"],
                        body: .init(byteBuffer: ByteBuffer(string: "\(error)\n")))
                }
            }
            router.post("fixture/cost") { request, _ -> Response in
                let buffer = try await request.body.collect(upTo: 64 << 10)
                do {
                    let model = try await inspector.applyCostModel(json: Array(buffer.readableBytesView))
                    let json = (try? JSONEncoder().encode(model)) ?? Data()
                    return Response(
                        status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: Array(json))))
                } catch {
                    return Response(
                        status: .badRequest, headers: [.contentType: "text/plain"],
                        body: .init(byteBuffer: ByteBuffer(string: "\(error)\n")))
                }
            }
        }
        router.post("fixture/faults") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 64 << 10)
            let fault = try JSONDecoder().decode(InjectedFault.self, from: Data(buffer.readableBytesView))
            faults.inject(fault)
            return Response(status: .noContent)
        }

        let scheme = configuration.tlsCertificatePath == nil ? "http" : "https"
        let server: HTTPServerBuilder
        if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }, logger: logger)
        let task = Task { try await app.run() }
        var port = 0
        for await value in portStream {
            port = value
            break
        }
        guard port > 0 else {
            task.cancel()
            throw FixtureError(message: "the fixture could not listen on \(configuration.host):\(configuration.port)")
        }
        return RunningFixture(
            url: "\(scheme)://\(configuration.host):\(port)/wsman", faults: faults, negotiate: acceptor, task: task,
            log: log)
    }

    static func unauthorized(_ schemes: [String]) -> Response {
        var headers = HTTPFields()
        for scheme in schemes { headers.append(HTTPField(name: .wwwAuthenticate, value: scheme)) }
        headers[.contentLength] = "0"
        return Response(status: .unauthorized, headers: headers)
    }

    static func soapResponse(status: Int, body: [UInt8], contentType: String = "application/soap+xml;charset=UTF-8")
        -> Response
    {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The `a:Action` of a request, for the log (cheap; falls back to `?`).
    static func actionOf(_ bytes: [UInt8]) -> String {
        guard let request = try? IncomingRequest.read(bytes) else { return "?" }
        return request.isIdentify ? "Identify" : request.action
    }
}

/// Lets `GET /fixture/state` show the simulated host as JSON.
public protocol FixtureInspector: Sendable {
    func stateJSON() async -> [UInt8]
    /// `POST /fixture/state`: replaces the simulated host (the `GET /fixture/state` JSON, edited: a file removed, an
    /// orphan added, a VM merging…).
    func loadState(json: [UInt8]) async throws
    /// `POST /fixture/cost`: changes the real-host cost model at run time; returns it as JSON.
    func applyCostModel(json: [UInt8]) async throws(CostModelError) -> CostModel
    /// `POST /fixture/legacy`: what CloudStack's C# agent does on a stop or a start (for `legacy-agent`).
    func legacy(json: [UInt8]) async throws -> [UInt8]
}

/// A fixture setup failure.
public struct FixtureError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The actions a fixture received, in order.
final class RequestLog: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ action: String) { storage.withLock { $0.append(action) } }
    var entries: [String] { storage.withLock { $0 } }
}
