import Foundation
import Logging
import Synchronization
import TestSupport
import WSMan
import WinRMFixture
import XMLSupport

/// A responder that answers Identify (and counts requests): enough to exercise the transport.
struct IdentifyResponder: WSManResponder {
    func respond(to request: [UInt8]) async -> FixtureResponse {
        let relates = (try? IncomingRequest.read(request))?.messageID
        let body = ResponseEnvelope().build(action: "IdentifyResponse", relatesTo: relates) { body in
            let response = body.addChild("IdentifyResponse", namespace: NS.identity)
            response.addChild(
                "ProtocolVersion", namespace: NS.identity, text: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd")
            response.addChild("ProductVendor", namespace: NS.identity, text: "Microsoft Corporation")
            response.addChild("ProductVersion", namespace: NS.identity, text: "OS: 10.0.20348 SP: 0.0 Stack: 3.0")
        }
        return FixtureResponse(status: 200, body: body)
    }
}

enum Certificates {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Certificates") }
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

func startFixture(tls: Bool, responder: any WSManResponder = IdentifyResponder()) async throws -> RunningFixture {
    try await FixtureServer.startQuiet(responder, user: "hvadmin", password: #"s3cr&t<'"pw"#) { configuration in
        if tls {
            configuration.tlsCertificatePath = Certificates.path("server.pem")
            configuration.tlsKeyPath = Certificates.path("server.key")
        }
    }
}

/// Answers like ``IdentifyResponder``, but only once released; `arrivals` yields as each request reaches it, so a
/// test knows a request is in flight without waiting on the clock.
final class HoldingResponder: WSManResponder {
    let arrivals: AsyncStream<Void>
    private let arrived: AsyncStream<Void>.Continuation
    private let held = Mutex<(released: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    init() {
        (arrivals, arrived) = AsyncStream<Void>.makeStream()
    }

    func respond(to request: [UInt8]) async -> FixtureResponse {
        arrived.yield()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = held.withLock { state -> Bool in
                if state.released { return true }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
        return await IdentifyResponder().respond(to: request)
    }

    func release() {
        let waiting = held.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
