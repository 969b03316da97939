import CLibXML2

/// One-time, process-wide libxml2 setup: `xmlInitParser()` and an external-entity loader that loads nothing.
///
/// Every entry point of this module touches ``XMLLibrary/ensureInitialized()``; `xmlCleanupParser()` is never called.
enum XMLLibrary {
    private static let initialized: Bool = {
        xmlInitParser()
        cxml_install_safe_entity_loader()
        return true
    }()

    static func ensureInitialized() {
        _ = initialized
    }
}

/// Converts a libxml2 string to Swift; `nil` stays `nil`.
@inline(__always)
func swiftString(_ pointer: UnsafePointer<xmlChar>?) -> String? {
    guard let pointer else { return nil }
    return String(cString: pointer)
}

/// Converts an owned libxml2 string (to be freed with xmlFree) to Swift and frees it.
@inline(__always)
func takeString(_ pointer: UnsafeMutablePointer<xmlChar>?) -> String? {
    guard let pointer else { return nil }
    defer { cxml_free(pointer) }
    return String(cString: pointer)
}
