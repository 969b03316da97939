/// A failure below HTTP: name resolution, connection, TLS, timeout, cancellation.
///
/// Produced by transports (``WSManTransport``); carries the library's own code and text.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case resolve, connect, tls, timeout, cancelled, connectionLost, configuration, authentication, other
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The host name could not be resolved.
        public static let resolve = Code(.resolve)
        /// The TCP connection was refused or unreachable.
        public static let connect = Code(.connect)
        /// TLS handshake or certificate verification failed.
        public static let tls = Code(.tls)
        /// No complete answer within the timeout.
        public static let timeout = Code(.timeout)
        /// The caller cancelled the request.
        public static let cancelled = Code(.cancelled)
        /// The connection closed before a whole answer arrived.
        public static let connectionLost = Code(.connectionLost)
        /// The transport's own settings are invalid (bad CA file, unsupported auth).
        public static let configuration = Code(.configuration)
        /// Authentication could not even be attempted or completed on the client side (no credentials, no mechanism,
        /// the KDC refused, a sealed answer that does not verify); the message names the fix.
        public static let authentication = Code(.authentication)
        public static let other = Code(.other)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// The underlying library code (a `CURLcode` for libcurl), if any.
    public let libraryCode: Int?

    public init(code: Code, message: String, libraryCode: Int? = nil) {
        self.code = code
        self.message = message
        self.libraryCode = libraryCode
    }

    public static func == (lhs: TransportError, rhs: TransportError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { "\(code): \(message)" }
}
