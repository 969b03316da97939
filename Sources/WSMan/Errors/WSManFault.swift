import XMLSupport

/// A SOAP fault from WinRM, with the Windows detail variants (`f:WSManFault`, `MSFT_WmiError`).
///
/// Never key logic on ``reason`` or ``message``: they are localized on non-English hosts.
public struct WSManFault: Hashable, Sendable, CustomStringConvertible {
    /// `s:Code/s:Value` local part: `Sender` or `Receiver`.
    public var code: String
    /// `s:Subcode/s:Value` local part: `InvalidSelectors`, `SchemaValidationError`, `DestinationUnreachable`, …
    public var subcode: String?
    /// `s:Reason/s:Text`.
    public var reason: String
    /// `w:FaultDetail` URI, if any.
    public var faultDetail: String?
    /// `f:WSManFault/@Code` (decimal HRESULT, e.g. 2150858817).
    public var wsmanCode: UInt64?
    /// `f:WSManFault/@Machine`.
    public var machine: String?
    /// `f:WSManFault/f:Message` (or the MSFT_WmiError `Message`).
    public var message: String?
    /// `MSFT_WmiError/error_Code` (HRESULT as unsigned decimal).
    public var wmiErrorCode: UInt64?
    /// `MSFT_WmiError/CIMStatusCode`.
    public var cimStatusCode: Int?

    public init(code: String, subcode: String? = nil, reason: String) {
        self.code = code
        self.subcode = subcode
        self.reason = reason
    }

    public var description: String {
        var parts = ["\(code)\(subcode.map { "/\($0)" } ?? "")"]
        if let wsmanCode {
            parts.append("WSManFault code \(wsmanCode) (0x\(String(wsmanCode, radix: 16, uppercase: true)))")
        }
        if let wmiErrorCode { parts.append("WMI error 0x\(String(wmiErrorCode, radix: 16, uppercase: true))") }
        let text = [reason, message ?? ""].filter { !$0.isEmpty }.joined(separator: " — ")
        if !text.isEmpty { parts.append(text) }
        return parts.joined(separator: ", ")
    }

    /// Reads `s:Fault` from a SOAP body; `nil` when the body holds no fault.
    public static func read(body: XMLElement) -> WSManFault? {
        guard let fault = body.child("Fault", namespace: NS.soap.uri) else { return nil }
        let soap = NS.soap.uri
        let codeElement = fault.child("Code", namespace: soap)
        let code = localPart(codeElement?.child("Value", namespace: soap)?.text)
        let subcode = codeElement?.child("Subcode", namespace: soap)?.child("Value", namespace: soap).map {
            localPart($0.text)
        }
        let reason = fault.child("Reason", namespace: soap)?.children("Text", namespace: soap).first?.text
            .trimmedXMLWhitespace
        var result = WSManFault(code: code, subcode: subcode, reason: reason ?? "")
        if let detail = fault.child("Detail", namespace: soap) {
            result.faultDetail = detail.child("FaultDetail", namespace: NS.wsman.uri)?.text.trimmedXMLWhitespace
            if let wsman = detail.child("WSManFault", namespace: NS.wsmanFault.uri) {
                result.wsmanCode = wsman.attribute("Code").flatMap { UInt64($0) }
                result.machine = wsman.attribute("Machine")
                result.message = wsman.child("Message", namespace: NS.wsmanFault.uri)?.text.trimmedXMLWhitespace
            }
            if let wmi = detail.child("MSFT_WmiError", namespace: NS.wmiError.uri) {
                let instance = WSManInstance.read(wmi)
                result.wmiErrorCode = instance.string("error_Code").flatMap { UInt64($0.trimmedXMLWhitespace) }
                result.cimStatusCode = instance.int("CIMStatusCode")
                result.message = result.message ?? instance.string("Message")?.trimmedXMLWhitespace
            }
        }
        return result
    }

    private static func localPart(_ qname: String?) -> String {
        guard let qname = qname?.trimmedXMLWhitespace else { return "" }
        return qname.split(separator: ":").last.map(String.init) ?? qname
    }
}
