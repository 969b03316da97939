import XMLSupport

/// A WS-Man request read on the server side (the fixture, the recorder and the transcript matcher).
public struct IncomingRequest {
    public let document: XMLDocument
    public var action: String
    public var resourceURI: String
    public var messageID: String?
    public var to: String?
    public var selectors: [Selector]
    public var body: XMLElement
    /// `w:MaxEnvelopeSize`: the largest response envelope the client accepts, in bytes.
    public var maxEnvelopeSize: Int?

    /// True for a WS-Man Identify (no addressing header, `wsmid:Identify` body).
    public var isIdentify: Bool { body.child("Identify", namespace: NS.identity.uri) != nil }

    /// The `<Method>_INPUT` element, when this is an Invoke.
    public var invokeInputElement: XMLElement? {
        body.children.first { $0.localName.hasSuffix("_INPUT") }
    }

    /// The invoked method: the `_INPUT` element's name without the suffix.
    public var invokeMethod: String? {
        invokeInputElement.map { String($0.localName.dropLast("_INPUT".count)) }
    }

    /// The input parameters, read like an instance (EPR parameters become references).
    public var invokeInput: WSManInstance? { invokeInputElement.map(WSManInstance.read) }

    var enumerate: XMLElement? { body.child("Enumerate", namespace: NS.enumeration.uri) }

    /// `w:Filter` text and dialect of an Enumerate.
    public var filter: (dialect: String, text: String)? {
        guard let filter = enumerate?.child("Filter", namespace: NS.wsman.uri) else { return nil }
        return (filter.attribute("Dialect") ?? "", filter.text.trimmedXMLWhitespace)
    }

    /// `w:OptimizeEnumeration` present in an Enumerate.
    public var optimizeEnumeration: Bool { enumerate?.child("OptimizeEnumeration", namespace: NS.wsman.uri) != nil }

    /// `w:MaxElements` of an Enumerate or `n:MaxElements` of a Pull.
    public var maxElements: Int? {
        let element =
            enumerate?.child("MaxElements", namespace: NS.wsman.uri)
            ?? body.child("Pull", namespace: NS.enumeration.uri)?.child("MaxElements", namespace: NS.enumeration.uri)
        return element.flatMap { Int($0.text.trimmedXMLWhitespace) }
    }

    /// The context of a Pull or Release.
    public var enumerationContext: String? {
        let holder =
            body.child("Pull", namespace: NS.enumeration.uri) ?? body.child("Release", namespace: NS.enumeration.uri)
        return holder?.child("EnumerationContext", namespace: NS.enumeration.uri)?.text.trimmedXMLWhitespace
    }

    public static func read(_ bytes: [UInt8], maxBytes: Int = XMLDocument.defaultMaxBytes) throws(XMLError)
        -> IncomingRequest
    {
        let document = try XMLDocument.parse(bytes, maxBytes: maxBytes)
        let body = try document.soapBody()
        let header = document.soapHeader()
        func value(_ name: String, _ namespace: String) -> String? {
            header?.child(name, namespace: namespace)?.text.trimmedXMLWhitespace
        }
        let selectors = header?.child("SelectorSet", namespace: NS.wsman.uri).map(SelectorSet.read) ?? []
        return IncomingRequest(
            document: document, action: value("Action", NS.addressing.uri) ?? "",
            resourceURI: value("ResourceURI", NS.wsman.uri) ?? "", messageID: value("MessageID", NS.addressing.uri),
            to: value("To", NS.addressing.uri), selectors: selectors, body: body,
            maxEnvelopeSize: value("MaxEnvelopeSize", NS.wsman.uri).flatMap { Int($0) })
    }
}
