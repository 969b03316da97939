import XMLSupport

/// WS-Transfer Get of one instance by its keys.
public struct GetRequest: Sendable {
    public var resourceURI: String
    public var selectors: [Selector]

    public init(resourceURI: String, selectors: [Selector]) {
        self.resourceURI = resourceURI
        self.selectors = selectors
    }

    public init(_ reference: EndpointReference) {
        self.init(resourceURI: reference.resourceURI, selectors: reference.selectors)
    }

    public var operationName: String { "Get" }

    public func envelope(to: String, messageID: String) -> XMLDocument {
        Envelope.build(
            RequestHeader(
                to: to, resourceURI: resourceURI, action: Action.get, messageID: messageID, selectors: selectors)
        ) { _ in }
    }
}
