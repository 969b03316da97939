import XMLSupport

/// One page of an enumeration: from an optimized EnumerateResponse or from a PullResponse.
public struct EnumerationPage: Sendable {
    /// The context to send in the next Pull (absent on the last page).
    public var context: String?
    public var items: [WSManInstance]
    public var endOfSequence: Bool

    /// Reads `n:EnumerateResponse` (items in `w:Items` when optimized) or `n:PullResponse` (items in `n:Items`).
    public static func read(body: XMLElement) throws(XMLError) -> EnumerationPage {
        let response =
            body.child("PullResponse", namespace: NS.enumeration.uri)
            ?? body.child("EnumerateResponse", namespace: NS.enumeration.uri)
        guard let response else {
            throw XMLError(code: .missingNode, message: "no EnumerateResponse or PullResponse in the body")
        }
        let context = response.child("EnumerationContext", namespace: NS.enumeration.uri)?.text.trimmedXMLWhitespace
        let itemsElement =
            response.child("Items", namespace: NS.enumeration.uri) ?? response.child("Items", namespace: NS.wsman.uri)
        let items = itemsElement?.children.map(WSManInstance.read) ?? []
        let end =
            response.child("EndOfSequence", namespace: NS.enumeration.uri) != nil
            || response.child("EndOfSequence", namespace: NS.wsman.uri) != nil
        return EnumerationPage(context: (context?.isEmpty ?? true) ? nil : context, items: items, endOfSequence: end)
    }
}

/// The output of a WMI method call.
public struct InvokeOutput: Sendable {
    /// `ReturnValue` (0 done, 4096 job started, 32768+ Hyper-V failures); `nil` when absent.
    public var returnValue: Int?
    /// All output parameters by name (`Job`, `ResultingSnapshot`, `SettingData`, …).
    public var output: WSManInstance

    /// The `Job` output parameter, if the method started one.
    public var job: EndpointReference? { output.reference("Job") }

    /// Reads `<Method>_OUTPUT` from the body.
    public static func read(body: XMLElement, method: String) throws(XMLError) -> InvokeOutput {
        guard let element = body.children.first(where: { $0.localName == "\(method)_OUTPUT" }) else {
            throw XMLError(code: .missingNode, message: "no \(method)_OUTPUT element in the body")
        }
        let output = WSManInstance.read(element)
        return InvokeOutput(returnValue: output.int("ReturnValue"), output: output)
    }
}

/// The answer to ``IdentifyRequest``.
public struct IdentifyResponse: Sendable, Equatable {
    public var protocolVersion: String
    public var productVendor: String
    public var productVersion: String

    public static func read(body: XMLElement) throws(XMLError) -> IdentifyResponse {
        guard let response = body.child("IdentifyResponse", namespace: NS.identity.uri) else {
            throw XMLError(code: .missingNode, message: "no IdentifyResponse in the body")
        }
        func value(_ name: String) -> String {
            response.child(name, namespace: NS.identity.uri)?.text.trimmedXMLWhitespace ?? ""
        }
        return IdentifyResponse(
            protocolVersion: value("ProtocolVersion"), productVendor: value("ProductVendor"),
            productVersion: value("ProductVersion"))
    }
}

extension XMLDocument {
    /// `s:Envelope/s:Body`, found by namespace.
    public func soapBody() throws(XMLError) -> XMLElement {
        guard let root, root.localName == "Envelope", root.namespaceURI == NS.soap.uri else {
            throw XMLError(code: .missingNode, message: "the document is not a SOAP 1.2 envelope")
        }
        guard let body = root.child("Body", namespace: NS.soap.uri) else {
            throw XMLError(code: .missingNode, message: "the SOAP envelope has no Body")
        }
        return body
    }

    /// `s:Envelope/s:Header`, found by namespace.
    public func soapHeader() -> XMLElement? {
        root?.child("Header", namespace: NS.soap.uri)
    }
}
