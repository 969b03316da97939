import CLibXML2

/// The value of an XPath expression.
public enum XPathValue {
    case nodes([XMLElement])
    case string(String)
    case number(Double)
    case boolean(Bool)

    /// The string value as XPath's `string()` would give it (first node's text for a node set).
    public var stringValue: String {
        switch self {
        case .nodes(let nodes): return nodes.first?.text ?? ""
        case .string(let value): return value
        case .number(let value): return value == value.rounded() ? String(Int64(value)) : String(value)
        case .boolean(let value): return value ? "true" : "false"
        }
    }
}

extension XMLDocument {
    /// Evaluates `expression` with the given prefix → namespace-URI bindings, relative to `context` (default: the document).
    public func xpath(_ expression: String, namespaces: [String: String] = [:], context: XMLElement? = nil)
        throws(XMLError) -> XPathValue
    {
        guard let xpathContext = xmlXPathNewContext(pointer) else {
            throw XMLError(code: .xpath, message: "could not create an XPath context")
        }
        defer { xmlXPathFreeContext(xpathContext) }
        for (prefix, uri) in namespaces {
            xmlXPathRegisterNs(xpathContext, prefix, uri)
        }
        if let context { xpathContext.pointee.node = context.node }
        // Silence libxml2's stderr output for bad expressions; report through XMLError instead.
        xpathContext.pointee.error = { _, _ in }
        guard let object = xmlXPathEvalExpression(expression, xpathContext) else {
            throw XMLError(code: .xpath, message: "invalid XPath expression: \(expression)")
        }
        defer { xmlXPathFreeObject(object) }
        switch object.pointee.type {
        case XPATH_NODESET:
            var nodes: [XMLElement] = []
            if let set = object.pointee.nodesetval, let table = set.pointee.nodeTab {
                for index in 0..<Int(set.pointee.nodeNr) {
                    if let node = table[index] { nodes.append(XMLElement(node: node, document: self)) }
                }
            }
            return .nodes(nodes)
        case XPATH_STRING:
            return .string(swiftString(object.pointee.stringval) ?? "")
        case XPATH_NUMBER:
            return .number(object.pointee.floatval)
        case XPATH_BOOLEAN:
            return .boolean(object.pointee.boolval != 0)
        default:
            throw XMLError(code: .xpath, message: "unsupported XPath result type for \(expression)")
        }
    }

    /// Convenience: the nodes selected by `expression` (empty when the result is not a node set).
    public func nodes(_ expression: String, namespaces: [String: String] = [:]) throws(XMLError) -> [XMLElement] {
        if case .nodes(let nodes) = try xpath(expression, namespaces: namespaces) { return nodes }
        return []
    }

    /// Convenience: `string(expression)`.
    public func string(_ expression: String, namespaces: [String: String] = [:]) throws(XMLError) -> String {
        try xpath("string(\(expression))", namespaces: namespaces).stringValue
    }
}
