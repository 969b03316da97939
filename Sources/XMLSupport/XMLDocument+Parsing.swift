import CLibXML2

extension XMLDocument {
    /// Default size limit for parsed documents: 8 MiB (WinRM's own envelope cap is 150–500 KB).
    public static let defaultMaxBytes = 8 << 20

    /// Parses untrusted bytes safely.
    ///
    /// Never loads a DTD or external entity, never touches the network, never substitutes entities,
    /// refuses any document carrying a `<!DOCTYPE` (SOAP 1.2 forbids them; this also stops XXE and
    /// billion-laughs documents before libxml2 sees them) and any document over `maxBytes`.
    /// libxml2's own error output is suppressed; the first error is returned with line and column.
    public static func parse(_ bytes: [UInt8], maxBytes: Int = defaultMaxBytes) throws(XMLError) -> XMLDocument {
        XMLLibrary.ensureInitialized()
        guard bytes.count <= maxBytes else {
            throw XMLError(
                code: .tooLarge, message: "document of \(bytes.count) bytes exceeds the \(maxBytes)-byte limit")
        }
        guard !bytes.isEmpty else {
            throw XMLError(code: .malformed, message: "empty document")
        }
        if containsDoctype(bytes) {
            throw XMLError(
                code: .doctypeRefused, message: "document type declarations (DTDs, entities) are not accepted")
        }
        guard let context = xmlNewParserCtxt() else {
            throw XMLError(code: .malformed, message: "libxml2 could not allocate a parser")
        }
        defer { xmlFreeParserCtxt(context) }
        let options = Int32(
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOXINCNODE.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                xmlCtxtReadMemory(context, chars, Int32(buffer.count), nil, nil, options)
            }
        }
        guard let document, context.pointee.wellFormed != 0 else {
            if let document { xmlFreeDoc(document) }
            throw lastError(of: context)
        }
        return XMLDocument(owning: document)
    }

    /// Parses a UTF-8 string (see ``parse(_:maxBytes:)``).
    public static func parse(_ text: String, maxBytes: Int = defaultMaxBytes) throws(XMLError) -> XMLDocument {
        try parse(Array(text.utf8), maxBytes: maxBytes)
    }

    private static func lastError(of context: xmlParserCtxtPtr) -> XMLError {
        guard let error = xmlCtxtGetLastError(context) else {
            return XMLError(code: .malformed, message: "not well-formed XML")
        }
        let message = (error.pointee.message.map { String(cString: $0) } ?? "not well-formed XML")
            .trimmingCharacters(in: " \n\r\t")
        return XMLError(
            code: .malformed, message: message,
            line: error.pointee.line > 0 ? Int(error.pointee.line) : nil,
            column: error.pointee.int2 > 0 ? Int(error.pointee.int2) : nil)
    }

    /// True when `<!DOCTYPE` occurs anywhere in the bytes.
    static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        let needle: [UInt8] = Array("<!DOCTYPE".utf8)
        guard bytes.count >= needle.count else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            let last = buffer.count - needle.count
            while index <= last {
                if buffer[index] == 0x3C, buffer[index + 1] == 0x21 {  // "<!"
                    var match = true
                    for offset in 2..<needle.count where buffer[index + offset] != needle[offset] {
                        match = false
                        break
                    }
                    if match { return true }
                }
                index += 1
            }
            return false
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice.removeFirst() }
        while let last = slice.last, characters.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
