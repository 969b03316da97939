/// A property value as WinRM serializes a WMI instance.
public indirect enum WSManValue: Hashable, Sendable {
    /// Text content (numbers and booleans stay text: `"3"`, `"true"`).
    case string(String)
    /// A repeated property element, one value per element.
    case array([WSManValue])
    /// `<cim:Datetime>` content (ISO 8601 as WinRM writes it, `1601-01-01T00:00:00Z` meaning never).
    case datetime(String)
    /// `<cim:Interval>` content.
    case interval(String)
    /// An EPR-valued (REF) property.
    case reference(EndpointReference)

    /// The text of a scalar (first element of an array); `nil` for references.
    public var text: String? {
        switch self {
        case .string(let value), .datetime(let value), .interval(let value): return value
        case .array(let values): return values.first?.text
        case .reference: return nil
        }
    }

    /// All values as a list (a scalar becomes a one-element list).
    public var elements: [WSManValue] {
        if case .array(let values) = self { return values }
        return [self]
    }
}
