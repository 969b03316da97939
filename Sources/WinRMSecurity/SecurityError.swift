import CGSSShims

/// A GSS-API failure, classified so the agent can name the fix (DESIGN §9). `detail` is GSS-API's own text (major and
/// minor status); it never contains a password.
public struct SecurityError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// No Kerberos ticket and no other credential (or no mechanism at all could be used).
        case noCredentials
        /// The ticket or the security context expired.
        case expired
        /// The KDC does not know the service principal `HTTP/host`.
        case unknownService
        case clockSkew
        case kdcUnreachable
        /// The KDC does not know the client principal.
        case unknownClient
        /// The keytab is missing, unreadable or has no key for the principal.
        case keytab
        /// A token or sealed message that does not verify.
        case integrity
        /// Neither side has a mechanism the other accepts (e.g. Kerberos credentials against an NTLM-only host).
        case noCommonMechanism
        case badName
        case other
    }

    public var code: Code
    /// Which GSS-API call failed.
    public var call: String
    public var detail: String
    /// The acceptor's error token, when it produced one (sent back to the initiator with the 401).
    public var errorToken: [UInt8]?

    public init(code: Code, call: String, detail: String) {
        self.code = code
        self.call = call
        self.detail = detail
    }

    init(status: CGSS_Status) {
        var text = CGSS_status_text(status).map { pointer -> String in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? "unknown GSS-API error"
        var copy = status
        let detail = withUnsafeBytes(of: &copy.detail) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if !detail.isEmpty { text += "; Kerberos: \(detail)" }
        let call = status.call.map { String(cString: $0) } ?? "GSS-API"
        self.init(code: Self.classify(status: status, text: text), call: call, detail: text)
    }

    /// MIT maps mechanism minor codes to process-local values, so the Kerberos causes are told apart by the texts of
    /// the krb5 error table (stable, English under the C locale the agent runs in), then by the major code.
    static func classify(status: CGSS_Status, text: String) -> Code {
        let lower = text.lowercased()
        let patterns: [(String, Code)] = [
            ("clock skew too great", .clockSkew),
            ("ticket expired", .expired),
            ("credentials have expired", .expired),
            ("context has expired", .expired),
            ("not found in kerberos database", lower.contains("server") ? .unknownService : .unknownClient),
            ("cannot contact any kdc", .kdcUnreachable),
            ("cannot find kdc", .kdcUnreachable),
            ("cannot resolve network address for kdc", .kdcUnreachable),
            ("key table file", .keytab),
            ("key table entry not found", .keytab),
            ("no key table entry", .keytab),
            ("keytab", .keytab),
            ("spnego cannot find mechanisms to negotiate", .noCredentials),
            ("no kerberos credentials available", .noCredentials),
            ("no credentials cache found", .noCredentials),
            ("an unsupported mechanism was requested", .noCommonMechanism),
            ("no supported mechanism", .noCommonMechanism),
            ("spnego failed to acquire creds", .noCredentials),
        ]
        for (pattern, code) in patterns where lower.contains(pattern) { return code }
        switch CGSS_classify(status) {
        case Int32(CGSS_PROBLEM_NO_CREDENTIALS): return .noCredentials
        case Int32(CGSS_PROBLEM_EXPIRED): return .expired
        case Int32(CGSS_PROBLEM_INTEGRITY): return .integrity
        case Int32(CGSS_PROBLEM_BAD_NAME): return .badName
        case Int32(CGSS_PROBLEM_UNKNOWN_SERVICE): return .unknownService
        case Int32(CGSS_PROBLEM_CLOCK_SKEW): return .clockSkew
        case Int32(CGSS_PROBLEM_KDC_UNREACHABLE): return .kdcUnreachable
        case Int32(CGSS_PROBLEM_UNKNOWN_CLIENT): return .unknownClient
        case Int32(CGSS_PROBLEM_KEYTAB): return .keytab
        default: return .other
        }
    }

    public var description: String { "\(call): \(detail)" }
}

#if canImport(Glibc)
    import Glibc
#endif
