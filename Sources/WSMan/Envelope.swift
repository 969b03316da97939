import XMLSupport

/// The common request header of every WS-Man operation (DSP0226 / MS-WSMV), plus the body.
///
/// ```swift
/// let header = RequestHeader(to: "https://host:5986/wsman", resourceURI: ResourceURI.v2("Msvm_ComputerSystem"),
///                            action: Action.get, messageID: "uuid:…")
/// let document = Envelope.build(header) { body in … }
/// ```
public struct RequestHeader: Sendable {
    public var to: String
    public var resourceURI: String
    public var action: String
    public var messageID: String
    public var selectors: [Selector] = []
    public var maxEnvelopeSize: Int = 512_000
    public var operationTimeoutSeconds: Int = 60
    public var locale: String = "en-US"

    public init(to: String, resourceURI: String, action: String, messageID: String, selectors: [Selector] = []) {
        self.to = to
        self.resourceURI = resourceURI
        self.action = action
        self.messageID = messageID
        self.selectors = selectors
    }
}

public enum Envelope {
    /// Builds `s:Envelope` with the header of `header` and a body filled by `body`.
    public static func build(_ header: RequestHeader, body: (XMLElement) -> Void) -> XMLDocument {
        let document = XMLDocument.create(
            root: "Envelope", namespace: NS.soap, declaring: [NS.addressing, NS.wsman])
        let root = document.root!
        let head = root.addChild("Header", namespace: NS.soap)
        head.addChild("To", namespace: NS.addressing, text: header.to)
        head.addChild("ResourceURI", namespace: NS.wsman, text: header.resourceURI)
            .setAttribute("mustUnderstand", "true", namespace: NS.soap)
        let replyTo = head.addChild("ReplyTo", namespace: NS.addressing)
        replyTo.addChild("Address", namespace: NS.addressing, text: Addressing.anonymous)
            .setAttribute("mustUnderstand", "true", namespace: NS.soap)
        head.addChild("Action", namespace: NS.addressing, text: header.action)
            .setAttribute("mustUnderstand", "true", namespace: NS.soap)
        head.addChild("MaxEnvelopeSize", namespace: NS.wsman, text: String(header.maxEnvelopeSize))
            .setAttribute("mustUnderstand", "true", namespace: NS.soap)
        head.addChild("MessageID", namespace: NS.addressing, text: header.messageID)
        let locale = head.addChild("Locale", namespace: NS.wsman)
        locale.setAttribute("lang", header.locale, namespace: NS.xml)
        locale.setAttribute("mustUnderstand", "false", namespace: NS.soap)
        let dataLocale = head.addChild("DataLocale", namespace: NS.msWsman)
        dataLocale.setAttribute("lang", header.locale, namespace: NS.xml)
        dataLocale.setAttribute("mustUnderstand", "false", namespace: NS.soap)
        head.addChild("OperationTimeout", namespace: NS.wsman, text: "PT\(header.operationTimeoutSeconds).000S")
        if !header.selectors.isEmpty {
            SelectorSet.write(header.selectors, into: head)
        }
        body(root.addChild("Body", namespace: NS.soap))
        return document
    }
}
