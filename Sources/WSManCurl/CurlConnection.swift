import CCurlShims
import Dispatch
import WSMan
import WinRMSecurity

/// One keep-alive connection: an easy handle plus the serial queue that alone performs on it, and — for Negotiate —
/// the connection's SPNEGO security context (WinRM authenticates, and seals messages, per TCP connection).
///
/// Blocking `curl_easy_perform` runs on this queue, never on Swift's cooperative pool.
final class CurlConnection: @unchecked Sendable {
    let easy: EasyHandle
    let queue: DispatchQueue
    let configuration: CurlTransportConfiguration
    let credentials: NegotiateCredentialSource
    /// The established context of this connection (touched on ``queue`` only).
    var security: SecurityContext?

    init(configuration: CurlTransportConfiguration, credentials: NegotiateCredentialSource, index: Int)
        throws(TransportError)
    {
        self.configuration = configuration
        self.credentials = credentials
        easy = try EasyHandle()
        queue = DispatchQueue(label: "hyperv-agent.curl.\(index)")
        try configure()
    }

    private func configure() throws(TransportError) {
        let c = configuration
        try easy.set(CURLOPT_URL, c.url, "CURLOPT_URL")
        try easy.set(CURLOPT_POST, 1, "CURLOPT_POST")
        try easy.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try easy.set(CURLOPT_TCP_NODELAY, 1, "CURLOPT_TCP_NODELAY")
        try easy.set(CURLOPT_TCP_KEEPALIVE, 1, "CURLOPT_TCP_KEEPALIVE")
        try easy.set(CURLOPT_TIMEOUT_MS, c.timeoutSeconds * 1000, "CURLOPT_TIMEOUT_MS")
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(c.timeoutSeconds, 30) * 1000, "CURLOPT_CONNECTTIMEOUT_MS")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0, "CURLOPT_FOLLOWLOCATION")
        try easy.set(CURLOPT_SSL_VERIFYPEER, c.verifyTLS ? 1 : 0, "CURLOPT_SSL_VERIFYPEER")
        try easy.set(CURLOPT_SSL_VERIFYHOST, c.verifyTLS ? 2 : 0, "CURLOPT_SSL_VERIFYHOST")
        if let caFile = c.caFile { try easy.set(CURLOPT_CAINFO, caFile, "CURLOPT_CAINFO") }
        switch c.authentication {
        case .basic:
            try easy.set(CURLOPT_HTTPAUTH, Int(CCurlShims_auth_basic()), "CURLOPT_HTTPAUTH")
            try easy.set(CURLOPT_USERNAME, c.username ?? "", "CURLOPT_USERNAME")
            try easy.set(CURLOPT_PASSWORD, c.password ?? "", "CURLOPT_PASSWORD")
        case .ntlm:
            try easy.set(CURLOPT_HTTPAUTH, Int(CCurlShims_auth_ntlm()), "CURLOPT_HTTPAUTH")
            try easy.set(CURLOPT_USERNAME, c.username ?? "", "CURLOPT_USERNAME")
            try easy.set(CURLOPT_PASSWORD, c.password ?? "", "CURLOPT_PASSWORD")
        case .negotiate:
            // The SPNEGO handshake is the agent's own (GSS-API, per connection), so libcurl sends no Authorization.
            // Over HTTPS the host's certificate feeds the channel bindings.
            if c.url.lowercased().hasPrefix("https://") && c.channelBinding {
                try easy.set(CURLOPT_CERTINFO, 1, "CURLOPT_CERTINFO")
            }
        }
        try setHeaders(contentType: "application/soap+xml;charset=UTF-8", authorization: nil)
        try easy.check(
            CCurlShims_setopt_write_callback(easy.raw, CURLOPT_WRITEFUNCTION, curlWriteCallback),
            "CURLOPT_WRITEFUNCTION")
        try easy.check(CCurlShims_setopt_header_callback(easy.raw, curlHeaderCallback), "CURLOPT_HEADERFUNCTION")
        try easy.check(CCurlShims_setopt_xferinfo_callback(easy.raw, curlProgressCallback), "CURLOPT_XFERINFOFUNCTION")
        try easy.set(CURLOPT_NOPROGRESS, 0, "CURLOPT_NOPROGRESS")
    }

    /// "Expect:" turns off 100-continue (a 1 s stall per large body on servers that never send 100).
    func setHeaders(contentType: String, authorization: String?) throws(TransportError) {
        var headers = ["Content-Type: \(contentType)", "Expect:", "Connection: Keep-Alive"]
        if let authorization { headers.append("Authorization: \(authorization)") }
        try easy.setHeaders(headers)
    }

    struct Outcome: Sendable {
        var response: WSManHTTPResponse
        var newConnections: Int
        /// Negotiate: the mechanism of the connection's context, once established.
        var mechanism: SecurityMechanism?
    }

    /// One HTTP answer as it came off the wire.
    struct RawAnswer {
        var status: Int
        var contentType: String?
        var body: [UInt8]
        var newConnections: Int
    }

    /// Performs one request (a POST, with its handshake if the connection needs one) on this connection's queue.
    func perform(_ body: [UInt8], box: TransferBox) async throws(TransportError) -> Outcome {
        let result: Result<Outcome, TransportError> = await withCheckedContinuation { continuation in
            queue.async {
                let outcome =
                    self.configuration.authentication == .negotiate
                    ? self.performNegotiated(body, box: box) : self.performPlain(body, box: box)
                continuation.resume(returning: outcome)
            }
        }
        return try result.get()
    }

    private func performPlain(_ body: [UInt8], box: TransferBox) -> Result<Outcome, TransportError> {
        transfer(body, box: box).map { raw in
            var response = WSManHTTPResponse(status: raw.status, contentType: raw.contentType, body: raw.body)
            if raw.status == 401 {
                response.authenticationProblem = AuthenticationDiagnosis.explain(
                    configured: configuration.authentication,
                    offered: .init(curlMask: easy.infoLong(CURLINFO_HTTPAUTH_AVAIL)),
                    hasKerberosTicket: configuration.kerberosTicketAvailable(),
                    ntlmMechanismInstalled: configuration.ntlmMechanismInstalled(),
                    plainHTTP: configuration.url.lowercased().hasPrefix("http://"))
            }
            return Outcome(response: response, newConnections: raw.newConnections, mechanism: nil)
        }
    }

    /// One blocking transfer of `body` with the headers currently set.
    func transfer(_ body: [UInt8], box: TransferBox) -> Result<RawAnswer, TransportError> {
        let userData = Unmanaged.passUnretained(box).toOpaque()
        return withExtendedLifetime(box) {
            do {
                try easy.check(CCurlShims_setopt_pointer(easy.raw, CURLOPT_WRITEDATA, userData), "CURLOPT_WRITEDATA")
                try easy.check(CCurlShims_setopt_pointer(easy.raw, CURLOPT_HEADERDATA, userData), "CURLOPT_HEADERDATA")
                try easy.check(
                    CCurlShims_setopt_pointer(easy.raw, CURLOPT_XFERINFODATA, userData), "CURLOPT_XFERINFODATA")
                try easy.check(
                    CCurlShims_setopt_off(easy.raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
                    "CURLOPT_POSTFIELDSIZE_LARGE")
                // COPYPOSTFIELDS copies: the Swift buffer only lives during this call.
                let copied =
                    body.isEmpty
                    ? CCurlShims_setopt_string(easy.raw, CURLOPT_COPYPOSTFIELDS, "")
                    : body.withUnsafeBufferPointer { buffer in
                        CCurlShims_setopt_pointer(
                            easy.raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                    }
                try easy.check(copied, "CURLOPT_COPYPOSTFIELDS")
            } catch let error as TransportError {
                return .failure(error)
            } catch {
                return .failure(TransportError(code: .other, message: "\(error)"))
            }
            easy.clearError()
            let code = curl_easy_perform(easy.raw)
            guard code == CURLE_OK else {
                return .failure(classify(code, box: box))
            }
            return .success(
                RawAnswer(
                    status: easy.infoLong(CURLINFO_RESPONSE_CODE), contentType: easy.infoString(CURLINFO_CONTENT_TYPE),
                    body: box.body, newConnections: easy.infoLong(CURLINFO_NUM_CONNECTS)))
        }
    }

    private func classify(_ code: CURLcode, box: TransferBox) -> TransportError {
        let text = easy.lastErrorText.isEmpty ? String(cString: curl_easy_strerror(code)) : easy.lastErrorText
        let host = configuration.url
        let libraryCode = Int(code.rawValue)
        if box.cancelled.load(ordering: .relaxed) {
            return TransportError(code: .cancelled, message: "request to \(host) cancelled", libraryCode: libraryCode)
        }
        if box.exceeded.load(ordering: .relaxed) {
            return TransportError(
                code: .other, message: "answer from \(host) is larger than \(box.limit) bytes", libraryCode: libraryCode
            )
        }
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError(
                code: .resolve, message: "cannot resolve the host of \(host): \(text)", libraryCode: libraryCode)
        case CURLE_COULDNT_CONNECT:
            return TransportError(
                code: .connect, message: "cannot connect to \(host): \(text)", libraryCode: libraryCode)
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError(
                code: .timeout, message: "no answer from \(host) within \(configuration.timeoutSeconds) s: \(text)",
                libraryCode: libraryCode)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_ENGINE_NOTFOUND:
            return TransportError(
                code: .tls,
                message: "TLS with \(host) failed: \(text) (check winrm.ca_file, or the host's certificate name)",
                libraryCode: libraryCode)
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            return TransportError(
                code: .connectionLost, message: "connection to \(host) lost: \(text)", libraryCode: libraryCode)
        case CURLE_ABORTED_BY_CALLBACK:
            return TransportError(code: .cancelled, message: "request to \(host) aborted", libraryCode: libraryCode)
        default:
            return TransportError(code: .other, message: "request to \(host) failed: \(text)", libraryCode: libraryCode)
        }
    }
}
