import XMLSupport

/// WS-Enumeration Enumerate with a WQL filter against the `…/v2/*` wildcard resource URI.
///
/// With `optimize` the first page of items comes back in the EnumerateResponse itself (`w:OptimizeEnumeration`
/// + `w:MaxElements`), so a small query costs one round trip.
public struct EnumerateRequest: Sendable {
    public var wql: String
    public var resourceURI: String
    public var optimize: Bool
    public var maxElements: Int

    public init(
        wql: String, resourceURI: String = ResourceURI.virtualizationV2Wildcard, optimize: Bool = true,
        maxElements: Int = 100
    ) {
        self.wql = wql
        self.resourceURI = resourceURI
        self.optimize = optimize
        self.maxElements = maxElements
    }

    public var operationName: String { "Enumerate" }

    public func envelope(to: String, messageID: String) -> XMLDocument {
        Envelope.build(RequestHeader(to: to, resourceURI: resourceURI, action: Action.enumerate, messageID: messageID))
        { body in
            let enumerate = body.addChild("Enumerate", namespace: NS.enumeration)
            if optimize {
                enumerate.addChild("OptimizeEnumeration", namespace: NS.wsman)
                enumerate.addChild("MaxElements", namespace: NS.wsman, text: String(maxElements))
            }
            enumerate.addChild("Filter", namespace: NS.wsman, text: wql).setAttribute("Dialect", Dialect.wql)
        }
    }
}

/// WS-Enumeration Pull of the next page.
public struct PullRequest: Sendable {
    public var context: String
    public var resourceURI: String
    /// `nil` leaves it to the server (Hyper-V then sends one item per Pull).
    public var maxElements: Int?

    public init(context: String, resourceURI: String = ResourceURI.virtualizationV2Wildcard, maxElements: Int? = 100) {
        self.context = context
        self.resourceURI = resourceURI
        self.maxElements = maxElements
    }

    public var operationName: String { "Pull" }

    public func envelope(to: String, messageID: String) -> XMLDocument {
        Envelope.build(RequestHeader(to: to, resourceURI: resourceURI, action: Action.pull, messageID: messageID)) {
            body in
            let pull = body.addChild("Pull", namespace: NS.enumeration)
            pull.addChild("EnumerationContext", namespace: NS.enumeration, text: context)
            if let maxElements { pull.addChild("MaxElements", namespace: NS.enumeration, text: String(maxElements)) }
        }
    }
}

/// WS-Enumeration Release of a context that will not be pulled to the end.
public struct ReleaseRequest: Sendable {
    public var context: String
    public var resourceURI: String

    public init(context: String, resourceURI: String = ResourceURI.virtualizationV2Wildcard) {
        self.context = context
        self.resourceURI = resourceURI
    }

    public var operationName: String { "Release" }

    public func envelope(to: String, messageID: String) -> XMLDocument {
        Envelope.build(RequestHeader(to: to, resourceURI: resourceURI, action: Action.release, messageID: messageID)) {
            body in
            body.addChild("Release", namespace: NS.enumeration)
                .addChild("EnumerationContext", namespace: NS.enumeration, text: context)
        }
    }
}
