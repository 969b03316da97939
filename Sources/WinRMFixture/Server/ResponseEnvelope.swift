import WSMan
import XMLSupport

/// Builds response envelopes the way a real WinRM service writes them: compact XML, `xml:lang` on the root,
/// `a:Action`, `a:MessageID`, `a:To` anonymous and `a:RelatesTo` the request's MessageID.
public struct ResponseEnvelope: Sendable {
    /// The host locale written into `xml:lang` (real Japanese hosts send `ja-JP`).
    public var language: String

    public init(language: String = "en-US") {
        self.language = language
    }

    public func build(action: String, relatesTo: String?, body fill: (XMLElement) -> Void) -> [UInt8] {
        let document = XMLDocument.create(
            root: "Envelope", namespace: NS.soap, declaring: [NS.addressing, NS.enumeration, NS.wsman])
        let root = document.root!
        root.setAttribute("lang", language, namespace: NS.xml)
        let header = root.addChild("Header", namespace: NS.soap)
        header.addChild("Action", namespace: NS.addressing, text: action)
        header.addChild("MessageID", namespace: NS.addressing, text: MessageID.random())
        header.addChild("To", namespace: NS.addressing, text: Addressing.anonymous)
        if let relatesTo { header.addChild("RelatesTo", namespace: NS.addressing, text: relatesTo) }
        fill(root.addChild("Body", namespace: NS.soap))
        return document.serializedBytesWithoutDeclaration()
    }

    /// A SOAP fault with a `w:FaultDetail` and an `f:WSManFault` detail, as WinRM sends them.
    public func fault(
        code: String, subcode: XMLNamespace, subcodeName: String, reason: String, faultDetail: String? = nil,
        wsmanCode: UInt64, relatesTo: String?
    ) -> [UInt8] {
        build(action: Action.fault, relatesTo: relatesTo) { body in
            let fault = body.addChild("Fault", namespace: NS.soap)
            let codeElement = fault.addChild("Code", namespace: NS.soap)
            codeElement.addChild("Value", namespace: NS.soap, text: "s:\(code)")
            codeElement.declare(subcode)
            codeElement.addChild("Subcode", namespace: NS.soap)
                .addChild("Value", namespace: NS.soap, text: "\(subcode.prefix):\(subcodeName)")
            fault.addChild("Reason", namespace: NS.soap).addChild("Text", namespace: NS.soap, text: reason)
                .setAttribute("lang", language, namespace: NS.xml)
            let detail = fault.addChild("Detail", namespace: NS.soap)
            if let faultDetail { detail.addChild("FaultDetail", namespace: NS.wsman, text: faultDetail) }
            let wsman = detail.addChild("WSManFault", namespace: NS.wsmanFault)
            wsman.setAttribute("Code", String(wsmanCode))
            wsman.setAttribute("Machine", "hyperv-fixture")
            wsman.addChild("Message", namespace: NS.wsmanFault, text: reason)
        }
    }
}

/// An instance as the fixture serializes it. `nil` values are written as `xsi:nil="true"`.
public struct FixtureInstance: Sendable {
    public var className: String
    public var properties: [String: WSManValue?]

    public init(className: String, properties: [String: WSManValue?]) {
        self.className = className
        self.properties = properties
    }

    /// Bytes this instance takes in a response.
    public func serializedSize() -> Int {
        let document = XMLDocument.create(root: "Items", namespace: NS.wsman, declaring: [])
        write(into: document.root!)
        return document.serializedBytesWithoutDeclaration().count
    }

    /// Writes `<p:Class xmlns:p=… xmlns:xsi=… xmlns:cim=… xsi:type="p:Class_Type">` with properties in
    /// alphabetical order, arrays as repeated elements, datetimes wrapped in `cim:Datetime`, EPRs unwrapped.
    public func write(into parent: XMLElement, as elementName: String? = nil) {
        let uri = ResourceURI.v2(className)
        let p = NS.resource(uri)
        let element = parent.addChild(elementName ?? className, namespace: p)
        element.declare(NS.xsi)
        element.declare(NS.cim)
        if elementName == nil { element.setAttribute("type", "p:\(className)_Type", namespace: NS.xsi) }
        for name in properties.keys.sorted() {
            guard let value = properties[name] ?? nil else {
                element.addChild(name, namespace: p).setAttribute("nil", "true", namespace: NS.xsi)
                continue
            }
            for item in value.elements {
                let child = element.addChild(name, namespace: p)
                switch item {
                case .string(let text): child.addText(text)
                case .datetime(let text): child.addChild("Datetime", namespace: NS.cim, text: text)
                case .interval(let text): child.addChild("Interval", namespace: NS.cim, text: text)
                case .reference(let epr):
                    child.declare(NS.addressing)
                    child.declare(NS.wsman)
                    epr.write(into: child)
                case .array: break
                }
            }
        }
    }
}
