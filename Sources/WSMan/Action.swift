/// `a:Action` URIs.
public enum Action {
    public static let get = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"
    public static let getResponse = "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse"
    public static let put = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Put"
    public static let enumerate = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
    public static let enumerateResponse = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse"
    public static let pull = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull"
    public static let pullResponse = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse"
    public static let release = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release"
    public static let releaseResponse = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/ReleaseResponse"
    public static let fault = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
    public static let addressingFault = "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"

    /// Invoke action: the resource URI + `/` + method name.
    public static func invoke(_ resourceURI: String, method: String) -> String { resourceURI + "/" + method }
}
