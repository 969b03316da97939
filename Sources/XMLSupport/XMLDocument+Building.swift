import CLibXML2

extension XMLDocument {
    /// Creates a new document whose root element is `name` in `namespace`, declaring `declarations` on the root.
    public static func create(root name: String, namespace: XMLNamespace?, declaring declarations: [XMLNamespace] = [])
        -> XMLDocument
    {
        XMLLibrary.ensureInitialized()
        let document = XMLDocument(owning: xmlNewDoc("1.0"))
        let node = xmlNewDocNode(document.pointer, nil, name, nil)!
        xmlDocSetRootElement(document.pointer, node)
        if let namespace {
            xmlSetNs(node, xmlNewNs(node, namespace.uri, namespace.prefix))
        }
        for declaration in declarations where declaration != namespace {
            xmlNewNs(node, declaration.uri, declaration.prefix)
        }
        return document
    }
}

extension XMLElement {
    /// Finds the namespace declaration for `namespace.uri` in scope, or declares it here with its prefix.
    func resolve(_ namespace: XMLNamespace) -> xmlNsPtr? {
        if let existing = xmlSearchNsByHref(document.pointer, node, namespace.uri) { return existing }
        return xmlNewNs(node, namespace.uri, namespace.prefix)
    }

    /// Declares `namespace` on this element (no effect when it is already in scope with that URI).
    public func declare(_ namespace: XMLNamespace) {
        _ = resolve(namespace)
    }

    /// Appends a child element. `text`, when given, is escaped (`<`, `&`, `>` and quotes are safe).
    @discardableResult
    public func addChild(_ name: String, namespace: XMLNamespace?, text: String? = nil) -> XMLElement {
        let inScope = namespace.flatMap { xmlSearchNsByHref(document.pointer, node, $0.uri) }
        let child = xmlNewDocNode(document.pointer, inScope, name, nil)!
        xmlAddChild(node, child)
        if let namespace, inScope == nil {
            // Not in scope yet: declare it on the new element itself (as WinRM does for each instance).
            xmlSetNs(child, xmlNewNs(child, namespace.uri, namespace.prefix))
        }
        let element = XMLElement(node: child, document: document)
        if let text { element.addText(text) }
        return element
    }

    /// Appends escaped text content.
    public func addText(_ text: String) {
        // xmlNodeAddContent escapes on output; xmlNodeSetContent/xmlNewChild would parse entities and drop `&`.
        xmlNodeAddContent(node, text)
    }

    /// Sets an attribute; the value is escaped on output.
    public func setAttribute(_ name: String, _ value: String, namespace: XMLNamespace? = nil) {
        if let namespace {
            xmlSetNsProp(node, resolve(namespace), name, value)
        } else {
            xmlSetProp(node, name, value)
        }
    }

    /// Deep-copies `other` (from any document) as the last child of this element.
    @discardableResult
    public func addCopy(of other: XMLElement) -> XMLElement {
        let copy = xmlDocCopyNode(other.node, document.pointer, 1)!
        xmlAddChild(node, copy)
        xmlReconciliateNs(document.pointer, copy)
        return XMLElement(node: copy, document: document)
    }
}

extension XMLElement {
    /// Replaces all content of this element with escaped text.
    public func replaceText(with text: String) {
        var child = node.pointee.children
        while let current = child {
            child = current.pointee.next
            xmlUnlinkNode(current)
            xmlFreeNode(current)
        }
        addText(text)
    }
}
