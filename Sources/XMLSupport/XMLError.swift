/// An error from the XML layer: parsing, XPath evaluation or a missing node.
///
/// Errors compare equal by ``code``; ``message`` carries libxml2's text (line and column included for parse errors).
public struct XMLError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case malformed, tooLarge, doctypeRefused, xpath, missingNode, serialization
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The bytes are not well-formed XML.
        public static let malformed = Code(.malformed)
        /// The document is larger than the configured limit.
        public static let tooLarge = Code(.tooLarge)
        /// The document carries a DOCTYPE (DTDs and entities are never processed; SOAP forbids them).
        public static let doctypeRefused = Code(.doctypeRefused)
        /// An XPath expression failed to compile or evaluate.
        public static let xpath = Code(.xpath)
        /// A required element or attribute is absent.
        public static let missingNode = Code(.missingNode)
        /// The document could not be serialized.
        public static let serialization = Code(.serialization)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public let line: Int?
    public let column: Int?

    public init(code: Code, message: String, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    public static func == (lhs: XMLError, rhs: XMLError) -> Bool { lhs.code == rhs.code }

    public var description: String {
        var text = "XML \(code): \(message)"
        if let line { text += " (line \(line)\(column.map { ", column \($0)" } ?? ""))" }
        return text
    }
}
