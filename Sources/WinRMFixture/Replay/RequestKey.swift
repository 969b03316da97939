import WSMan
import XMLSupport

/// The semantic identity of a WS-Man request: Action, ResourceURI, selectors (order-free) and the body in a
/// canonical form (namespace URIs instead of prefixes, attributes sorted, whitespace-only text dropped).
/// MessageID, To and the rest of the header are ignored. Shared by replay over HTTP and in memory.
public struct RequestKey: Hashable, Sendable, CustomStringConvertible {
    public let action: String
    public let resourceURI: String
    public let selectors: [String]
    public let body: String

    public init(_ request: IncomingRequest) {
        action = request.isIdentify ? "Identify" : request.action
        resourceURI = request.resourceURI
        selectors = request.selectors.map { "\($0.name)=\($0.value)" }.sorted()
        body = Self.canonical(request.body)
    }

    static func canonical(_ element: XMLElement) -> String {
        var text = "{\(element.namespaceURI ?? "")}\(element.localName)"
        let attributes = ["Name", "Dialect", "CLASSNAME", "NAME", "TYPE"].compactMap { name in
            element.attribute(name).map { "\(name)=\($0)" }
        }
        if !attributes.isEmpty { text += "[" + attributes.sorted().joined(separator: ",") + "]" }
        let children = element.children
        if children.isEmpty {
            let value = element.text.trimmedXMLWhitespace
            if !value.isEmpty { text += "=" + value }
        } else {
            text += "(" + children.map(canonical).joined(separator: ";") + ")"
        }
        return text
    }

    public var description: String {
        let what = ResourceURI.className(of: action)
        return
            "\(what) \(ResourceURI.className(of: resourceURI))\(selectors.isEmpty ? "" : " [\(selectors.joined(separator: ","))]")"
    }

    /// How alike two keys are (for naming the closest recorded request when nothing matches).
    func similarity(to other: RequestKey) -> Int {
        (action == other.action ? 4 : 0) + (resourceURI == other.resourceURI ? 2 : 0)
            + (selectors == other.selectors ? 1 : 0)
    }
}
