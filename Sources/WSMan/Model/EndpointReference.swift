import XMLSupport

/// A WS-Addressing endpoint reference to a WMI instance (`a:Address` + `a:ReferenceParameters`).
public struct EndpointReference: Hashable, Sendable, CustomStringConvertible {
    public var address: String
    public var resourceURI: String
    public var selectors: [Selector]

    public init(resourceURI: String, selectors: [Selector], address: String = Addressing.anonymous) {
        self.address = address
        self.resourceURI = resourceURI
        self.selectors = selectors
    }

    /// The value of the selector `name`, if present.
    public func selector(_ name: String) -> String? {
        selectors.first { $0.name == name }?.value
    }

    public var className: String { ResourceURI.className(of: resourceURI) }

    public var description: String {
        "\(className)(\(selectors.map(\.description).joined(separator: ",")))"
    }

    /// Writes `a:Address` and `a:ReferenceParameters` **directly** under `parent` (real hosts reject an
    /// `a:EndpointReference` wrapper with `w:SchemaValidationError`).
    public func write(into parent: XMLElement) {
        parent.addChild("Address", namespace: NS.addressing, text: address)
        let parameters = parent.addChild("ReferenceParameters", namespace: NS.addressing)
        parameters.addChild("ResourceURI", namespace: NS.wsman, text: resourceURI)
        SelectorSet.write(selectors, into: parameters)
    }

    /// Reads an EPR from an element holding `a:ReferenceParameters` directly (what Windows sends) or
    /// inside an `a:EndpointReference` wrapper (seen in hand-written fixtures). `nil` when neither is there.
    public static func read(from element: XMLElement) -> EndpointReference? {
        let holder = element.child("EndpointReference", namespace: NS.addressing.uri) ?? element
        guard let parameters = holder.child("ReferenceParameters", namespace: NS.addressing.uri) else { return nil }
        let uri = parameters.child("ResourceURI", namespace: NS.wsman.uri)?.text.trimmedXMLWhitespace ?? ""
        let selectors = parameters.child("SelectorSet", namespace: NS.wsman.uri).map(SelectorSet.read) ?? []
        let address = holder.child("Address", namespace: NS.addressing.uri)?.text.trimmedXMLWhitespace
        return EndpointReference(resourceURI: uri, selectors: selectors, address: address ?? Addressing.anonymous)
    }
}
