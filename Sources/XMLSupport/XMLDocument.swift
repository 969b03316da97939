import CLibXML2

/// An owning wrapper around a libxml2 document. The document is freed when the last reference goes.
///
/// A document is used by one task at a time (it is not `Sendable`); parse or build, read, then drop it.
public final class XMLDocument {
    let pointer: xmlDocPtr

    init(owning pointer: xmlDocPtr) {
        self.pointer = pointer
    }

    deinit {
        xmlFreeDoc(pointer)
    }

    /// The root element, if any.
    public var root: XMLElement? {
        guard let node = xmlDocGetRootElement(pointer) else { return nil }
        return XMLElement(node: node, document: self)
    }

    /// Serializes the whole document as UTF-8 bytes (with an XML declaration).
    public func serializedBytes() throws(XMLError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpMemoryEnc(pointer, &buffer, &size, "UTF-8")
        guard let buffer, size > 0 else {
            throw XMLError(code: .serialization, message: "libxml2 produced no output")
        }
        defer { cxml_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    /// Serializes the document as UTF-8 without the `<?xml …?>` declaration (compact, as WinRM answers).
    public func serializedBytesWithoutDeclaration() -> [UInt8] {
        guard let root = xmlDocGetRootElement(pointer), let buffer = xmlBufferCreate() else { return [] }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, pointer, root, 0, 0)
        guard let content = xmlBufferContent(buffer) else { return [] }
        return Array(UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(buffer))))
    }

    /// Serializes the whole document as a UTF-8 string.
    public func serializedString() throws(XMLError) -> String {
        String(decoding: try serializedBytes(), as: UTF8.self)
    }
}
