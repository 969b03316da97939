import XMLSupport

/// A WMI instance (or a method's `_OUTPUT`) read from a response, keyed by property name.
///
/// NULL properties (`xsi:nil="true"`) are absent from ``properties`` and listed in ``nilProperties``.
public struct WSManInstance: Hashable, Sendable {
    /// The element's local name: the WMI class (`Msvm_ComputerSystem`) or `<Method>_OUTPUT`.
    public var className: String
    /// The element's namespace URI: the class's resource URI.
    public var resourceURI: String
    public var properties: [String: WSManValue]
    public var nilProperties: Set<String>

    public init(
        className: String, resourceURI: String, properties: [String: WSManValue], nilProperties: Set<String> = []
    ) {
        self.className = className
        self.resourceURI = resourceURI
        self.properties = properties
        self.nilProperties = nilProperties
    }

    public subscript(_ name: String) -> WSManValue? { properties[name] }

    /// Scalar text of `name`.
    public func string(_ name: String) -> String? { properties[name]?.text }

    /// Integer value of `name` (WMI integers come as decimal text).
    public func int(_ name: String) -> Int? { string(name).flatMap { Int($0.trimmedXMLWhitespace) } }

    /// Boolean value of `name` (`true`/`false`, case-insensitive).
    public func bool(_ name: String) -> Bool? {
        switch string(name)?.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// All text values of an array property (a scalar gives one element; absent gives none).
    public func strings(_ name: String) -> [String] {
        properties[name]?.elements.compactMap(\.text) ?? []
    }

    /// Integer values of an array property.
    public func ints(_ name: String) -> [Int] { strings(name).compactMap { Int($0.trimmedXMLWhitespace) } }

    /// An EPR-valued property.
    public func reference(_ name: String) -> EndpointReference? {
        if case .reference(let epr) = properties[name] { return epr }
        return nil
    }

    /// Reads an instance element: one child element per property, repeated for arrays.
    public static func read(_ element: XMLElement) -> WSManInstance {
        var properties: [String: WSManValue] = [:]
        var nils: Set<String> = []
        for child in element.children {
            let name = child.localName
            if child.attribute("nil", namespace: NS.xsi.uri)?.lowercased() == "true" {
                nils.insert(name)
                continue
            }
            let value = readValue(child)
            if let existing = properties[name] {
                properties[name] = .array(existing.elements + [value])
            } else {
                properties[name] = value
            }
        }
        return WSManInstance(
            className: element.localName, resourceURI: element.namespaceURI ?? "", properties: properties,
            nilProperties: nils.subtracting(properties.keys))
    }

    static func readValue(_ element: XMLElement) -> WSManValue {
        if let datetime = element.child("Datetime", namespace: NS.cim.uri) {
            return .datetime(datetime.text.trimmedXMLWhitespace)
        }
        if let interval = element.child("Interval", namespace: NS.cim.uri) {
            return .interval(interval.text.trimmedXMLWhitespace)
        }
        if let epr = EndpointReference.read(from: element) {
            return .reference(epr)
        }
        return .string(element.text)
    }
}
