import XMLSupport

/// The namespaces WS-Management over WinRM uses, with the fixed prefixes this code base writes.
///
/// Parsing never relies on these prefixes: every lookup is by URI.
public enum NS {
    public static let soap = XMLNamespace(prefix: "s", uri: "http://www.w3.org/2003/05/soap-envelope")
    public static let addressing = XMLNamespace(prefix: "a", uri: "http://schemas.xmlsoap.org/ws/2004/08/addressing")
    public static let wsman = XMLNamespace(prefix: "w", uri: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd")
    public static let enumeration = XMLNamespace(prefix: "n", uri: "http://schemas.xmlsoap.org/ws/2004/09/enumeration")
    public static let transfer = XMLNamespace(prefix: "x", uri: "http://schemas.xmlsoap.org/ws/2004/09/transfer")
    public static let cimBinding = XMLNamespace(prefix: "b", uri: "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd")
    public static let xsi = XMLNamespace(prefix: "xsi", uri: "http://www.w3.org/2001/XMLSchema-instance")
    public static let cim = XMLNamespace(prefix: "cim", uri: "http://schemas.dmtf.org/wbem/wscim/1/common")
    public static let wsmanFault = XMLNamespace(
        prefix: "f", uri: "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault")
    /// Windows WS-Man extensions (DataLocale). Not `p`, which is the per-class prefix.
    public static let msWsman = XMLNamespace(prefix: "msw", uri: "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd")
    public static let wmiError = XMLNamespace(
        prefix: "e", uri: "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError")
    public static let identity = XMLNamespace(
        prefix: "wsmid", uri: "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd")
    public static let xml = XMLNamespace(prefix: "xml", uri: "http://www.w3.org/XML/1998/namespace")

    /// The class namespace (`p`) for a resource URI: the URI itself.
    public static func resource(_ uri: String) -> XMLNamespace { XMLNamespace(prefix: "p", uri: uri) }
}

/// WS-Addressing constants.
public enum Addressing {
    public static let anonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
}

/// The WQL filter dialect.
public enum Dialect {
    public static let wql = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
    public static let associationFilter = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter"
}
