import Foundation
import WSMan
import XMLSupport

/// Loads the real/reference WinRM messages copied from `shared/wsman-samples/`.
enum Samples {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Samples") }

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".xml") }
            .sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func body(_ name: String) throws -> XMLElement {
        try XMLDocument.parse(try bytes(name)).soapBody()
    }
}

let ns: [String: String] = [
    "s": NS.soap.uri, "a": NS.addressing.uri, "w": NS.wsman.uri, "n": NS.enumeration.uri, "xsi": NS.xsi.uri,
]
