import CGSSShims

/// The mechanism SPNEGO settled on for a connection.
public enum SecurityMechanism: String, Sendable, Codable {
    case kerberos = "Kerberos"
    case ntlm = "NTLM"
    case unknown = "unknown"

    init(code: Int32) {
        switch code {
        case Int32(CGSS_MECH_KERBEROS): self = .kerberos
        case Int32(CGSS_MECH_NTLM): self = .ntlm
        default: self = .unknown
        }
    }
}
