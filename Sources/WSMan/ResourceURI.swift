/// Resource URIs for WMI classes reached over WinRM.
public enum ResourceURI {
    /// `root/virtualization/v2` base (no trailing slash).
    public static let virtualizationV2 = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2"
    /// Real hosts require the wildcard class for WQL enumeration (a concrete class + WQL filter is a fault).
    public static let virtualizationV2Wildcard = virtualizationV2 + "/*"
    /// `root/cimv2` base.
    public static let cimV2 = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2"
    /// `root/cimv2` for WQL enumeration (`CIM_DataFile`).
    public static let cimv2Wildcard = cimV2 + "/*"

    /// The resource URI of a `root/virtualization/v2` class, e.g. `v2("Msvm_ComputerSystem")`.
    public static func v2(_ className: String) -> String { virtualizationV2 + "/" + className }

    /// The class name at the end of a resource URI (`…/Msvm_ConcreteJob` → `Msvm_ConcreteJob`).
    public static func className(of uri: String) -> String {
        uri.split(separator: "/").last.map(String.init) ?? uri
    }
}
