/// A raw HTTP answer from a WinRM endpoint.
public struct WSManHTTPResponse: Sendable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]
    /// For a 401: why the host refused, as far as the transport can tell (the scheme it offered, a token that could
    /// not be produced, the credentials), naming the fix.
    public var authenticationProblem: String?

    public init(status: Int, contentType: String?, body: [UInt8], authenticationProblem: String? = nil) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.authenticationProblem = authenticationProblem
    }
}

/// Sends one SOAP envelope and returns the HTTP answer. Implementations: the libcurl transport (`WSManCurl`),
/// in-memory transports in tests and the fixture.
///
/// A transport throws ``TransportError`` for failures below HTTP and returns every HTTP status as a response;
/// classification of statuses and faults is done by ``ResponseClassifier``, never by the transport.
public protocol WSManTransport: Sendable {
    /// The endpoint URL (`https://host:5986/wsman`), written into `a:To`.
    var endpoint: String { get }
    func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse
}
