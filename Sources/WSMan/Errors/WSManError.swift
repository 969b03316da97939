/// Every failure of a WS-Man exchange, classified in one place (``ResponseClassifier``), naming the operation and
/// the resource it was about.
public struct WSManError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case unauthorized, fault, malformedResponse, unexpectedStatus, transport
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// HTTP 401: the credentials were refused.
        public static let unauthorized = Code(.unauthorized)
        /// A SOAP fault (see ``WSManError/fault``).
        public static let fault = Code(.fault)
        /// The answer is not a usable WS-Man message.
        public static let malformedResponse = Code(.malformedResponse)
        /// An HTTP status other than 200 with no SOAP fault.
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// Below HTTP (see ``WSManError/transport``).
        public static let transport = Code(.transport)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// `Get`, `Enumerate`, `Pull`, `Invoke CreateSnapshot`, …
    public let operation: String
    /// The resource URI (or WQL class) the operation was about.
    public let resource: String
    public let httpStatus: Int?
    public let fault: WSManFault?
    public let transport: TransportError?
    public let detail: String

    public init(
        code: Code, operation: String, resource: String, httpStatus: Int? = nil, fault: WSManFault? = nil,
        transport: TransportError? = nil, detail: String
    ) {
        self.code = code
        self.operation = operation
        self.resource = resource
        self.httpStatus = httpStatus
        self.fault = fault
        self.transport = transport
        self.detail = detail
    }

    public static func == (lhs: WSManError, rhs: WSManError) -> Bool { lhs.code == rhs.code }

    /// Short resource name for messages: the class at the end of a resource URI.
    var resourceName: String {
        resource.hasPrefix("http") ? ResourceURI.className(of: resource) : resource
    }

    public var description: String {
        let what = "WS-Man \(operation) on \(resourceName)"
        switch code {
        case .unauthorized:
            return detail == "HTTP 401"
                ? "\(what) was refused with HTTP 401: the WinRM credentials or auth scheme were not accepted; "
                    + "check winrm.username, the password and winrm.auth"
                : "\(what) was refused with HTTP 401: \(detail)"
        case .fault:
            return "\(what) failed with a SOAP fault: \(fault.map(\.description) ?? detail)"
        case .transport:
            return "\(what) failed: \(transport.map(\.description) ?? detail)"
        case .unexpectedStatus:
            return "\(what) failed with HTTP \(httpStatus.map(String.init) ?? "?"): \(detail)"
        default:
            return "\(what) returned a malformed answer: \(detail)"
        }
    }
}
