/// A namespace with the prefix this code base always uses for it when writing.
public struct XMLNamespace: Hashable, Sendable {
    public let prefix: String
    public let uri: String
    public init(prefix: String, uri: String) {
        self.prefix = prefix
        self.uri = uri
    }
}
