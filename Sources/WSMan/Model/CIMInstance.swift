import XMLSupport

/// An embedded instance in CIM-XML (DSP0201) form: what WMI's `GetText(CimDtd20)` produces and what
/// Hyper-V accepts in string-typed `EmbeddedInstance` parameters such as `SystemSettings`.
///
/// Only set properties are written. ``cimXML`` is the unescaped text; XML-escaping happens when the string is
/// placed as element text in an envelope.
public struct CIMInstance: Hashable, Sendable {
    public struct Property: Hashable, Sendable {
        public var name: String
        /// CIM type: `string`, `uint16`, `uint8`, `boolean`, `datetime`, …
        public var type: String
        /// Scalar or array value; `nil` for a property without VALUE (NULL).
        public var value: Value?

        public init(_ name: String, type: String, _ value: Value?) {
            self.name = name
            self.type = type
            self.value = value
        }
    }

    public enum Value: Hashable, Sendable {
        case scalar(String)
        case array([String])
    }

    public var className: String
    public var properties: [Property]

    public init(className: String, properties: [Property]) {
        self.className = className
        self.properties = properties
    }

    /// Scalar value of `name` (`nil` when absent or NULL; first element of an array).
    public subscript(_ name: String) -> String? {
        switch properties.first(where: { $0.name == name })?.value {
        case .scalar(let value): return value
        case .array(let values): return values.first
        case nil: return nil
        }
    }

    /// The CIM-XML `INSTANCE` text, built with libxml2 so every value is escaped.
    public var cimXML: String {
        let document = XMLDocument.create(root: "INSTANCE", namespace: nil)
        let root = document.root!
        root.setAttribute("CLASSNAME", className)
        for property in properties {
            switch property.value {
            case .array(let values):
                let element = root.addChild("PROPERTY.ARRAY", namespace: nil)
                element.setAttribute("NAME", property.name)
                element.setAttribute("TYPE", property.type)
                let array = element.addChild("VALUE.ARRAY", namespace: nil)
                for value in values { array.addChild("VALUE", namespace: nil, text: value) }
            case .scalar(let value):
                let element = root.addChild("PROPERTY", namespace: nil)
                element.setAttribute("NAME", property.name)
                element.setAttribute("TYPE", property.type)
                element.addChild("VALUE", namespace: nil, text: value)
            case nil:
                let element = root.addChild("PROPERTY", namespace: nil)
                element.setAttribute("NAME", property.name)
                element.setAttribute("TYPE", property.type)
            }
        }
        return root.serialized()
    }

    /// Parses CIM-XML `INSTANCE` text (as found, unescaped, inside an output parameter).
    public static func parse(cimXML text: String) throws(XMLError) -> CIMInstance {
        let document = try XMLDocument.parse(text)
        guard let root = document.root, root.localName == "INSTANCE" else {
            throw XMLError(code: .missingNode, message: "embedded instance has no INSTANCE root element")
        }
        var properties: [Property] = []
        for element in root.children {
            let name = element.attribute("NAME") ?? ""
            let type = element.attribute("TYPE") ?? "string"
            switch element.localName {
            case "PROPERTY":
                let value = element.child("VALUE", namespace: nil).map { Value.scalar($0.text) }
                properties.append(Property(name, type: type, value))
            case "PROPERTY.ARRAY":
                let values = element.child("VALUE.ARRAY", namespace: nil)?.children("VALUE", namespace: nil).map(\.text)
                properties.append(Property(name, type: type, values.map { .array($0) }))
            default:
                continue
            }
        }
        return CIMInstance(className: root.attribute("CLASSNAME") ?? "", properties: properties)
    }
}
