import CloudStack
import Foundation

/// The JSON file the management server writes for each extension run (GSON: nulls omitted, string maps under
/// `externaldetails`). Only the keys the snapshot and status actions need are read; everything else (`caller`, NICs,
/// the rest of the VM TO, other details) is ignored.
public struct ExtensionPayload: Sendable {
    /// `externaldetails.host`: the WinRM endpoint and account, the same keys the stock `hyperv.py` reads.
    public struct HostAccess: Sendable, Equatable {
        public var url: String?
        public var username: String?
        public var password: String?
        /// `verify_tls_certificate`; `nil` when absent (the configuration decides).
        public var verifyTLS: Bool?

        public init(url: String?, username: String?, password: String?, verifyTLS: Bool?) {
            self.url = url
            self.username = username
            self.password = password
            self.verifyTLS = verifyTLS
        }
    }

    /// The largest payload read (real ones are a few KiB; the VM TO of a VM with many NICs stays far below this).
    public static let maxBytes = 4 << 20

    public var host: HostAccess
    /// `cloudstack.vm.details.name`, else `virtualmachinename`: the VM's internal name, its Hyper-V `ElementName`.
    public var vmName: String?
    /// `parameters`: the custom action's parameters as the management server typed them.
    public var parameters: [(String, JSONValue)]

    public init(host: HostAccess, vmName: String?, parameters: [(String, JSONValue)]) {
        self.host = host
        self.vmName = vmName
        self.parameters = parameters
    }

    /// Parses a payload file's bytes.
    public init(json bytes: [UInt8]) throws(ExtensionError) {
        guard bytes.count <= Self.maxBytes else {
            throw ExtensionError(
                .invalidPayload, "the payload is \(bytes.count) bytes, more than the \(Self.maxBytes) accepted")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch {
            throw ExtensionError(.invalidPayload, "the payload is not valid JSON: \(error.description)")
        }
        guard root.isObject else { throw ExtensionError(.invalidPayload, "the payload is not a JSON object") }
        let access = root["externaldetails"]?["host"]
        host = HostAccess(
            url: Self.text(access?["url"]), username: Self.text(access?["username"]),
            password: Self.text(access?["password"]),
            verifyTLS: Self.text(access?["verify_tls_certificate"]).map { $0.lowercased() == "true" })
        vmName = Self.text(root["cloudstack.vm.details"]?["name"]) ?? Self.text(root["virtualmachinename"])
        if case .object(let members) = root["parameters"] { parameters = members } else { parameters = [] }
    }

    /// A string value; numbers and booleans as their text (GSON string maps hold strings, but be lenient).
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): return text.isEmpty ? nil : text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    public func parameter(_ name: String) -> JSONValue? { parameters.first { $0.0 == name }?.1 }

    /// The VM the action is about.
    public func requireVM() throws(ExtensionError) -> String {
        guard let vmName else {
            throw ExtensionError(
                .missingParameter,
                "the payload names no VM (cloudstack.vm.details.name or virtualmachinename); run the action on a VM")
        }
        return vmName
    }

    /// A required, non-empty string parameter, taken verbatim (names are data: no trimming, no interpretation).
    public func requireString(_ name: String, action: ExtensionAction) throws(ExtensionError) -> String {
        guard let value = Self.text(parameter(name)) else {
            throw ExtensionError(
                .missingParameter,
                "\(action.rawValue) needs the parameter \(name); register it on the custom action and pass it")
        }
        return value
    }

    /// The VM and the `snapshot_name` parameter every snapshot action needs.
    public func snapshotTarget(for action: ExtensionAction) throws(ExtensionError) -> (vm: String, snapshot: String) {
        (try requireVM(), try requireString("snapshot_name", action: action))
    }

    /// A boolean parameter: a JSON boolean or the strings "true" / "false" (any case); absent = `default`.
    public func flag(_ name: String, default fallback: Bool) throws(ExtensionError) -> Bool {
        switch parameter(name) {
        case nil, .null?: return fallback
        case .bool(let value)?: return value
        case .string(let text)?:
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            case "": return fallback
            default: break
            }
        default: break
        }
        throw ExtensionError(.invalidParameter, "the parameter \(name) must be true or false")
    }
}

extension ExtensionPayload.HostAccess {
    /// The WS-Man URL: a full `http(s)://` URL is taken as it is; a bare host (what `hyperv.py` expects) becomes
    /// `https://HOST:5986/wsman`, `HOST:PORT` becomes `https://HOST:PORT/wsman`.
    public func endpoint() throws(ExtensionError) -> String {
        guard let url = url?.trimmingCharacters(in: .whitespaces), !url.isEmpty else {
            throw ExtensionError(
                .missingParameter,
                "the payload has no externaldetails.host.url; set the host's url detail (the Hyper-V host's name or address)"
            )
        }
        let lower = url.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") {
            let afterScheme = url[url.index(url.startIndex, offsetBy: lower.hasPrefix("https://") ? 8 : 7)...]
            return afterScheme.contains("/") ? url : url + "/wsman"
        }
        guard !url.contains("/"), !url.contains(" ") else {
            throw ExtensionError(.invalidParameter, "externaldetails.host.url \(url) is neither a host name nor a URL")
        }
        let hasPort: Bool
        if url.hasPrefix("[") {
            hasPort = url.contains("]:")
        } else {
            hasPort = url.filter { $0 == ":" }.count == 1
        }
        if hasPort { return "https://\(url)/wsman" }
        return url.contains(":") ? "https://[\(url)]:5986/wsman" : "https://\(url):5986/wsman"
    }
}
