import CLibXML2
import Synchronization

/// One-time, process-wide libxml2 setup: `xmlInitParser()` and an external-entity loader that loads nothing — no
/// network ever, and no file except XML Schema documents under a directory ``XMLSchema`` was explicitly given.
///
/// Every entry point of this module touches ``XMLLibrary/ensureInitialized()``; `xmlCleanupParser()` is never called.
enum XMLLibrary {
    private static let initialized: Bool = {
        xmlInitParser()
        xmlSetExternalEntityLoader(loadTrustedFilesOnly)
        return true
    }()

    static func ensureInitialized() {
        _ = initialized
    }

    /// Directories whose schema files may be loaded (`xs:import` / `xs:include` of a trusted schema).
    static let trustedDirectories = Mutex<[String]>([])

    static func trust(directory: String) {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        trustedDirectories.withLock { if !$0.contains(prefix) { $0.append(prefix) } }
    }

    static func isTrusted(_ path: String) -> Bool {
        guard !path.contains(".."), !path.contains("://") || path.hasPrefix("file://") else { return false }
        let local = path.hasPrefix("file://") ? String(path.dropFirst("file://".count)) : path
        return trustedDirectories.withLock { $0.contains { local.hasPrefix($0) } }
    }
}

/// The external-entity loader: refuses everything but files in a trusted schema directory.
private func loadTrustedFilesOnly(
    _ url: UnsafePointer<CChar>?, _ id: UnsafePointer<CChar>?, _ context: xmlParserCtxtPtr?
) -> xmlParserInputPtr? {
    guard let url, XMLLibrary.isTrusted(String(cString: url)) else { return nil }
    return xmlNoNetExternalEntityLoader(url, id, context)
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
