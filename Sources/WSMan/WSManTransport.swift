/// A raw HTTP answer from a WinRM endpoint.
public struct WSManHTTPResponse: Sendable {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]

    public init(status: Int, contentType: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
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
