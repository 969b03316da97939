import CCurlShims
import Foundation

/// Why a host answered 401, told apart from what libcurl knows after the exchange: which schemes the host offered
/// (`WWW-Authenticate`, `CURLINFO_HTTPAUTH_AVAIL`), which one the agent was set to use, and whether a Negotiate
/// token could be produced at all. Each cause names its fix (DESIGN §9).
public enum AuthenticationDiagnosis {
    public struct Offered: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let basic = Offered(rawValue: 1)
        public static let ntlm = Offered(rawValue: 2)
        public static let negotiate = Offered(rawValue: 4)

        /// From libcurl's `CURLAUTH_*` bitmask.
        init(curlMask: Int) {
            var offered: Offered = []
            if curlMask & Int(CCurlShims_auth_basic()) != 0 { offered.insert(.basic) }
            if curlMask & Int(CCurlShims_auth_ntlm()) != 0 { offered.insert(.ntlm) }
            if curlMask & Int(CCurlShims_auth_negotiate()) != 0 { offered.insert(.negotiate) }
            self = offered
        }

        var names: String {
            let list = [(Offered.negotiate, "Negotiate"), (.ntlm, "NTLM"), (.basic, "Basic")].filter { contains($0.0) }
            return list.isEmpty ? "no scheme libcurl knows" : list.map(\.1).joined(separator: ", ")
        }
    }

    /// gss-ntlmssp registers itself with MIT GSS-API through a mech file; without it Negotiate can only do Kerberos.
    public static func ntlmMechanismInstalled() -> Bool {
        let directory = "/etc/gss/mech.d"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.contains { name in
            let text = (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
            return text.contains("ntlmssp")
        }
    }

    /// The explanation of a 401 for `configured` against what the host `offered`.
    public static func explain(
        configured: CurlTransportConfiguration.Authentication, offered: Offered, hasKerberosTicket: Bool,
        ntlmMechanismInstalled: Bool, plainHTTP: Bool = false
    ) -> String {
        switch configured {
        case .basic where !offered.contains(.basic):
            return
                "the host refuses Basic authentication (it offers \(offered.names)): set winrm.auth = negotiate, or enable Basic on the host (winrm set winrm/config/service/auth @{Basic=\"true\"}, local accounts only)"
        case .ntlm where !offered.contains(.ntlm):
            return
                "the host does not accept the NTLM scheme (it offers \(offered.names)); WinRM wants NTLM inside Negotiate: set winrm.auth = negotiate (Debian package gss-ntlmssp)"
        case .negotiate where !offered.contains(.negotiate):
            return "the host does not offer Negotiate (it offers \(offered.names)): set winrm.auth to one it offers"
        case .negotiate where !ntlmMechanismInstalled && !hasKerberosTicket:
            return
                "no Negotiate token could be produced: there is no Kerberos ticket and gss-ntlmssp is not installed — install it (apt-get install gss-ntlmssp) for NTLM with winrm.username and the password, or get a ticket (kinit / a keytab)"
        default:
            let plain =
                plainHTTP
                ? " — or, over http://, the host refuses unencrypted messages (AllowUnencrypted=false, its default): use winrm.auth = negotiate, which encrypts them"
                : ""
            return
                "the host refused the credentials (\(configured.rawValue)): check winrm.username (DOMAIN\\user for a domain account) and the password; the account must be in the host's Administrators or Hyper-V Administrators group\(plain)"
        }
    }

    /// Whether a Kerberos credential cache with a ticket is in reach (`KRB5CCNAME` or the default `/tmp/krb5cc_<uid>`).
    public static func kerberosCacheExists(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool
    {
        if let name = environment["KRB5CCNAME"], !name.isEmpty {
            let path = name.hasPrefix("FILE:") ? String(name.dropFirst(5)) : name
            return path.hasPrefix("/") ? FileManager.default.fileExists(atPath: path) : true
        }
        return FileManager.default.fileExists(atPath: "/tmp/krb5cc_\(getuid())")
    }
}
