import CCurlShims
import Foundation
import WSMan
import WinRMSecurity

/// Negotiate as WinRM speaks it: the SPNEGO handshake on empty POSTs (`Authorization: Negotiate …` →
/// `401 WWW-Authenticate: Negotiate …` → … → 200), once per TCP connection; then every message on that connection,
/// sealed (`multipart/encrypted`, message encryption) or in plain text over TLS, without an `Authorization` header.
extension CurlConnection {
    private enum Handshake {
        case established(connections: Int)
        /// The host refused (401) or answered something else: that answer is the request's answer.
        case answered(WSManHTTPResponse, connections: Int)
    }

    private var overTLS: Bool { configuration.url.lowercased().hasPrefix("https://") }

    func performNegotiated(_ body: [UInt8], box: TransferBox) -> Result<Outcome, TransportError> {
        var opened = 0
        let sealing = configuration.sealsMessages
        for attempt in 0..<2 {
            // A context ends with its Kerberos ticket: authenticate the connection again rather than be refused.
            if let context = security, context.isEstablished, context.lifetime == 0 { security = nil }
            if security?.isEstablished != true {
                switch handshake(box: box) {
                case .failure(let error):
                    return .failure(error)
                case .success(.answered(let response, let connections)):
                    return .success(Outcome(response: response, newConnections: opened + connections, mechanism: nil))
                case .success(.established(let connections)):
                    opened += connections
                }
            }
            guard let context = security else { continue }
            var payload = body
            var contentType = "application/soap+xml;charset=UTF-8"
            if sealing {
                do {
                    payload = try SealedMessage.seal(body, with: context)
                    contentType = SealedMessage.contentType
                } catch {
                    security = nil
                    // An expired context (ticket lifetime) is replaced by a new handshake once.
                    if error.code == .expired && attempt == 0 { continue }
                    return .failure(
                        TransportError(
                            code: .authentication,
                            message: "cannot encrypt the message for \(configuration.url): \(error.detail)"))
                }
            }
            box.reset()
            let sent: RawAnswer
            do {
                try setHeaders(contentType: contentType, authorization: nil)
                sent = try transfer(payload, box: box).get()
            } catch {
                security = nil
                return .failure(error)
            }
            opened += sent.newConnections
            if sent.status == 401 {
                // The host no longer knows this connection's context (a new TCP connection, an expired context):
                // authenticate again once; a second refusal is the answer.
                security = nil
                if attempt == 0 { continue }
                let problem = NegotiateDiagnosis.refusedAfterHandshake(sealed: sealing, overTLS: overTLS)
                return .success(
                    Outcome(
                        response: WSManHTTPResponse(
                            status: 401, contentType: sent.contentType, body: sent.body,
                            authenticationProblem: problem), newConnections: opened, mechanism: security?.mechanism))
            }
            guard SealedMessage.isSealed(contentType: sent.contentType) else {
                return .success(
                    Outcome(
                        response: WSManHTTPResponse(status: sent.status, contentType: sent.contentType, body: sent.body),
                        newConnections: opened, mechanism: security?.mechanism))
            }
            do {
                let plain = try SealedMessage.open(sent.body, contentType: sent.contentType, with: context)
                return .success(
                    Outcome(
                        response: WSManHTTPResponse(
                            status: sent.status, contentType: SealedMessage.originalType, body: plain),
                        newConnections: opened, mechanism: security?.mechanism))
            } catch {
                security = nil
                return .failure(
                    TransportError(
                        code: .authentication,
                        message: "the encrypted answer from \(configuration.url) could not be opened: \(error)"))
            }
        }
        return .failure(
            TransportError(code: .authentication, message: "Negotiate with \(configuration.url) did not complete"))
    }

    /// The host certificate's `tls-server-end-point` bindings: known from an earlier connection, or read from this
    /// one's TLS handshake with an unauthenticated empty POST (one extra round trip, first connection only).
    private func learnChannelBindings(box: TransferBox) -> Result<[UInt8]?, TransportError> {
        if let known = credentials.channelBindings { return .success(known) }
        box.reset()
        do {
            try setHeaders(contentType: "application/soap+xml;charset=UTF-8", authorization: nil)
            _ = try transfer([], box: box).get()
        } catch {
            return .failure(error)
        }
        guard let pointer = CCurlShims_server_certificate_pem(easy.raw) else { return .success(nil) }
        defer { free(pointer) }
        let learnt = ChannelBindings.tlsServerEndPoint(pem: String(cString: pointer))
        credentials.channelBindings = learnt
        return .success(learnt)
    }

    /// Runs the SPNEGO handshake on this connection (empty POSTs carrying the tokens).
    private func handshake(box: TransferBox) -> Result<Handshake, TransportError> {
        let source = credentials.kind
        let host = configuration.principalHost
        func failed(_ error: SecurityError) -> Result<Handshake, TransportError> {
            if error.code == .expired || error.code == .keytab { credentials.reset() }
            return .failure(
                TransportError(
                    code: .authentication,
                    message: NegotiateDiagnosis.explain(
                        error, source: source, principalHost: host,
                        ntlmInstalled: configuration.ntlmMechanismInstalled())))
        }
        var bindings: [UInt8]?
        if overTLS && configuration.channelBinding {
            switch learnChannelBindings(box: box) {
            case .failure(let error): return .failure(error)
            case .success(let learnt): bindings = learnt
            }
        }
        let context: SecurityContext
        var step: SecurityContext.Step
        do {
            context = try SecurityContext(
                initiatorFor: host, credential: try credentials.credential(), bindings: bindings)
            step = try context.step([])
        } catch {
            return failed(error)
        }
        security = nil
        var connections = 0
        var legs = 0
        /// The host refused the handshake: its 401 is the answer, explained.
        func refused(_ answer: RawAnswer, challenges: [String]) -> Result<Handshake, TransportError> {
            if overTLS { credentials.channelBindings = nil }  // re-learnt next time: the certificate may have changed
            let problem = NegotiateDiagnosis.refusedHandshake(
                offered: NegotiateHeader.schemes(in: challenges), legs: legs, source: source, overTLS: overTLS,
                principalHost: host, channelBinding: configuration.channelBinding)
            return .success(
                .answered(
                    WSManHTTPResponse(
                        status: 401, contentType: answer.contentType, body: answer.body, authenticationProblem: problem),
                    connections: connections))
        }
        while true {
            legs += 1
            let token: [UInt8]
            switch step {
            case .continueWith(let bytes), .complete(let bytes): token = bytes
            }
            if token.isEmpty {
                guard context.isEstablished else {
                    return .failure(
                        TransportError(
                            code: .authentication,
                            message: "the Negotiate handshake with \(configuration.url) produced no token"))
                }
                security = context
                return .success(.established(connections: connections))
            }
            box.reset()
            let answer: RawAnswer
            do {
                try setHeaders(
                    contentType: "application/soap+xml;charset=UTF-8",
                    authorization: NegotiateHeader.authorization(token))
                answer = try transfer([], box: box).get()
            } catch {
                return .failure(error)
            }
            connections += answer.newConnections
            if legs > 1 && answer.newConnections > 0 {
                return .failure(
                    TransportError(
                        code: .connectionLost,
                        message:
                            "\(configuration.url) closed the connection in the middle of the Negotiate handshake (a proxy or load balancer without keep-alive?)"
                    ))
            }
            let challenges = box.headers(named: "WWW-Authenticate")
            let serverToken = NegotiateHeader.token(in: challenges)
            switch answer.status {
            case 200:
                if let serverToken, !serverToken.isEmpty, !context.isEstablished {
                    do { step = try context.step(serverToken) } catch { return failed(error) }
                }
                guard context.isEstablished else {
                    return .failure(
                        TransportError(
                            code: .authentication,
                            message:
                                "\(configuration.url) accepted the Negotiate handshake without completing it (no mutual authentication token)"
                        ))
                }
                security = context
                return .success(.established(connections: connections))
            case 401:
                guard let serverToken, !serverToken.isEmpty, !context.isEstablished, legs < 8 else {
                    return refused(answer, challenges: challenges)
                }
                // A next leg — or an error token: a KRB-ERROR (clock skew…) keeps its own diagnosis; a SPNEGO
                // reject after our credentials went out means the host refused them.
                do { step = try context.step(serverToken) } catch {
                    if error.code != .other && error.code != .integrity { return failed(error) }
                    return refused(answer, challenges: challenges)
                }
                if case .complete(let last) = step, last.isEmpty {
                    // Established on our side, yet refused: the host rejected what we sent.
                    return refused(answer, challenges: challenges)
                }
            default:
                return .success(
                    .answered(
                        WSManHTTPResponse(status: answer.status, contentType: answer.contentType, body: answer.body),
                        connections: connections))
            }
        }
    }
}
