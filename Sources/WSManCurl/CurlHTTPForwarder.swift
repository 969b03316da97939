import CCurlShims
import Dispatch
import WSMan

/// A plain HTTP(S) POST with libcurl, for relaying a request to another agent (`agent.upstream`).
public struct CurlHTTPForwarder: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String?
        public var body: [UInt8]
    }

    public var verifyTLS: Bool
    public var timeoutSeconds: Int
    public var maxResponseBytes: Int

    public init(verifyTLS: Bool = false, timeoutSeconds: Int = 3600, maxResponseBytes: Int = 64 << 20) {
        self.verifyTLS = verifyTLS
        self.timeoutSeconds = timeoutSeconds
        self.maxResponseBytes = maxResponseBytes
    }

    /// A GET (liveness checks, tests).
    public func get(url: String) async throws(TransportError) -> Response {
        try await post(url: url, contentType: "text/plain", body: [], method: "GET")
    }

    public func post(url: String, contentType: String, body: [UInt8], method: String = "POST")
        async throws(TransportError) -> Response
    {
        let settings = self
        let result: Result<Response, TransportError> = await withCheckedContinuation { continuation in
            DispatchQueue(label: "hyperv-agent.forward").async {
                continuation.resume(
                    returning: settings.perform(url: url, contentType: contentType, body: body, method: method))
            }
        }
        return try result.get()
    }

    func perform(url: String, contentType: String, body: [UInt8], method: String) -> Result<Response, TransportError> {
        do {
            let easy = try EasyHandle()
            try easy.set(CURLOPT_URL, url, "CURLOPT_URL")
            if method == "GET" {
                try easy.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
            } else {
                try easy.set(CURLOPT_POST, 1, "CURLOPT_POST")
            }
            try easy.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
            try easy.set(CURLOPT_TIMEOUT, timeoutSeconds, "CURLOPT_TIMEOUT")
            try easy.set(CURLOPT_SSL_VERIFYPEER, verifyTLS ? 1 : 0, "CURLOPT_SSL_VERIFYPEER")
            try easy.set(CURLOPT_SSL_VERIFYHOST, verifyTLS ? 2 : 0, "CURLOPT_SSL_VERIFYHOST")
            try easy.setHeaders(["Content-Type: \(contentType)", "Expect:"])
            try easy.check(
                CCurlShims_setopt_write_callback(easy.raw, CURLOPT_WRITEFUNCTION, curlWriteCallback),
                "CURLOPT_WRITEFUNCTION")
            let box = TransferBox(limit: maxResponseBytes)
            return try withExtendedLifetime(box) { () throws(TransportError) -> Result<Response, TransportError> in
                try easy.check(
                    CCurlShims_setopt_pointer(easy.raw, CURLOPT_WRITEDATA, Unmanaged.passUnretained(box).toOpaque()),
                    "CURLOPT_WRITEDATA")
                if method != "GET" {
                    try easy.check(
                        CCurlShims_setopt_off(easy.raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
                        "CURLOPT_POSTFIELDSIZE_LARGE")
                    let copied = body.withUnsafeBufferPointer {
                        CCurlShims_setopt_pointer(
                            easy.raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
                    }
                    try easy.check(copied, "CURLOPT_COPYPOSTFIELDS")
                }
                let code = curl_easy_perform(easy.raw)
                guard code == CURLE_OK else {
                    let text =
                        easy.lastErrorText.isEmpty ? String(cString: curl_easy_strerror(code)) : easy.lastErrorText
                    return .failure(
                        TransportError(
                            code: code == CURLE_OPERATION_TIMEDOUT ? .timeout : .connect,
                            message: "upstream \(url): \(text)", libraryCode: Int(code.rawValue)))
                }
                return .success(
                    Response(
                        status: easy.infoLong(CURLINFO_RESPONSE_CODE),
                        contentType: easy.infoString(CURLINFO_CONTENT_TYPE), body: box.body))
            }
        } catch {
            return .failure(error)
        }
    }
}
