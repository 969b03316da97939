import XMLSupport

/// WS-Man Identify (no addressing header): the cheapest authenticated "who are you".
public struct IdentifyRequest: Sendable {
    public init() {}

    public var operationName: String { "Identify" }

    public func envelope() -> XMLDocument {
        let document = XMLDocument.create(root: "Envelope", namespace: NS.soap, declaring: [NS.identity])
        let root = document.root!
        root.addChild("Header", namespace: NS.soap)
        root.addChild("Body", namespace: NS.soap).addChild("Identify", namespace: NS.identity)
        return document
    }
}
