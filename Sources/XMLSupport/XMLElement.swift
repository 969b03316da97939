import CLibXML2

/// An element inside an ``XMLDocument``. Holds its document alive; reads are by namespace URI, never by prefix.
public struct XMLElement {
    let node: xmlNodePtr
    public let document: XMLDocument

    init(node: xmlNodePtr, document: XMLDocument) {
        self.node = node
        self.document = document
    }

    /// Local name (no prefix).
    public var localName: String { swiftString(node.pointee.name) ?? "" }

    /// Namespace URI of the element, or `nil` when it has none.
    public var namespaceURI: String? { swiftString(node.pointee.ns?.pointee.href) }

    /// The prefix the document used (informational only; never use it to find nodes).
    public var prefix: String? { swiftString(node.pointee.ns?.pointee.prefix) }

    /// Concatenated text of all descendant text and CDATA nodes.
    public var text: String { takeString(xmlNodeGetContent(node)) ?? "" }

    /// Child elements in document order.
    public var children: [XMLElement] {
        var result: [XMLElement] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                result.append(XMLElement(node: current, document: document))
            }
            child = current.pointee.next
        }
        return result
    }

    /// Child elements with this local name and namespace URI.
    public func children(_ localName: String, namespace: String?) -> [XMLElement] {
        children.filter { $0.localName == localName && $0.namespaceURI == namespace }
    }

    /// The first child element with this local name and namespace URI.
    public func child(_ localName: String, namespace: String?) -> XMLElement? {
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE,
                swiftString(current.pointee.name) == localName,
                swiftString(current.pointee.ns?.pointee.href) == namespace
            {
                return XMLElement(node: current, document: document)
            }
            child = current.pointee.next
        }
        return nil
    }

    /// The first descendant (depth first, self excluded) with this local name and namespace URI.
    public func descendant(_ localName: String, namespace: String?) -> XMLElement? {
        for child in children {
            if child.localName == localName && child.namespaceURI == namespace { return child }
            if let found = child.descendant(localName, namespace: namespace) { return found }
        }
        return nil
    }

    /// Value of an attribute with no namespace (`Name="…"`).
    public func attribute(_ name: String) -> String? {
        takeString(xmlGetNoNsProp(node, name))
    }

    /// Value of a namespaced attribute (`xsi:nil="true"`).
    public func attribute(_ name: String, namespace: String) -> String? {
        takeString(xmlGetNsProp(node, name, namespace))
    }

    /// The element serialized on its own (namespaces in scope are declared as needed).
    public func serialized() -> String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, document.pointer, node, 0, 0)
        return swiftString(xmlBufferContent(buffer)) ?? ""
    }
}
