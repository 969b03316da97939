import CLibXML2
import Foundation

/// A compiled W3C XML Schema (libxml2), for checking that documents have the shape a specification requires.
///
/// Loading a schema trusts its directory for the `xs:import`s it makes; nothing else is ever loaded.
public final class XMLSchema: @unchecked Sendable {
    private let schema: xmlSchemaPtr
    private let lock = NSLock()

    /// Compiles the schema at `path` (and the schemas it imports from the same directory).
    public init(path: String) throws(XMLError) {
        XMLLibrary.ensureInitialized()
        let directory = (path as NSString).deletingLastPathComponent
        XMLLibrary.trust(directory: directory)
        guard let parser = xmlSchemaNewParserCtxt(path) else {
            throw XMLError(code: .malformed, message: "cannot read the schema \(path)")
        }
        defer { xmlSchemaFreeParserCtxt(parser) }
        let errors = ErrorSink()
        let box = Unmanaged.passRetained(errors)
        defer { box.release() }
        xmlSchemaSetParserStructuredErrors(parser, collectError, box.toOpaque())
        guard let compiled = xmlSchemaParse(parser) else {
            throw XMLError(
                code: .malformed,
                message: "the schema \(path) does not compile: \(errors.messages.joined(separator: "; "))")
        }
        schema = compiled
    }

    deinit { xmlSchemaFree(schema) }

    /// The ways `document` breaks the schema (empty when it is valid), each with its line.
    public func violations(of document: XMLDocument) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        guard let context = xmlSchemaNewValidCtxt(schema) else {
            return ["libxml2 could not create a validation context"]
        }
        defer { xmlSchemaFreeValidCtxt(context) }
        let errors = ErrorSink()
        let box = Unmanaged.passRetained(errors)
        defer { box.release() }
        xmlSchemaSetValidStructuredErrors(context, collectError, box.toOpaque())
        let result = xmlSchemaValidateDoc(context, document.pointer)
        if result != 0 && errors.messages.isEmpty { return ["not valid (libxml2 code \(result))"] }
        return errors.messages
    }
}

/// Collects libxml2's structured errors for one parse or validation.
final class ErrorSink {
    var messages: [String] = []
}

private func collectError(_ userData: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let userData, let error else { return }
    let sink = Unmanaged<ErrorSink>.fromOpaque(userData).takeUnretainedValue()
    let text = error.pointee.message.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    sink.messages.append("line \(error.pointee.line): \(text)")
}
