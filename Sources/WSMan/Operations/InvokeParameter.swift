/// One input parameter of a WMI method, written as a child of `<Method>_INPUT`.
public struct InvokeParameter: Hashable, Sendable {
    public enum Value: Hashable, Sendable {
        /// A scalar (numbers and booleans as text).
        case scalar(String)
        /// An array: the element is repeated once per value.
        case array([String])
        /// A REF parameter: `a:Address` + `a:ReferenceParameters` directly under the parameter.
        case reference(EndpointReference)
        /// An embedded instance: escaped CIM-XML `INSTANCE` text.
        case embedded(CIMInstance)
        /// Embedded instances as an array parameter.
        case embeddedArray([CIMInstance])
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    public static func scalar(_ name: String, _ value: String) -> InvokeParameter { .init(name, .scalar(value)) }
    public static func reference(_ name: String, _ epr: EndpointReference) -> InvokeParameter {
        .init(name, .reference(epr))
    }
    public static func embedded(_ name: String, _ instance: CIMInstance) -> InvokeParameter {
        .init(name, .embedded(instance))
    }
}
