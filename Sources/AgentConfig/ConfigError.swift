/// A configuration problem, naming the file and line (or the override) that caused it and what to do.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case syntax, unknownKey, duplicateKey, badValue, missing, unreadable, insecurePermissions
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public static let syntax = Code(.syntax)
        public static let unknownKey = Code(.unknownKey)
        public static let duplicateKey = Code(.duplicateKey)
        public static let badValue = Code(.badValue)
        public static let missing = Code(.missing)
        public static let unreadable = Code(.unreadable)
        public static let insecurePermissions = Code(.insecurePermissions)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// `agent.conf line 7`, `--set winrm.url`, …
    public let location: String
    public let message: String

    public init(code: Code, location: String, message: String) {
        self.code = code
        self.location = location
        self.message = message
    }

    public static func == (lhs: ConfigError, rhs: ConfigError) -> Bool { lhs.code == rhs.code }

    public var description: String { location.isEmpty ? message : "\(location): \(message)" }
}
