import CGSSShims

/// A GSS-API credential handle: the agent's (a password held in memory for NTLM, or a client keytab for Kerberos)
/// or the fixture's acceptor credential. Thread-safe in MIT GSS-API once acquired.
public final class GSSCredential: @unchecked Sendable {
    let raw: OpaquePointer

    private init(raw: OpaquePointer) {
        self.raw = raw
    }

    deinit { CGSS_credential_free(raw) }

    /// NTLM inside SPNEGO for `user` (`DOMAIN\user`, `user@domain` or `user`), the password kept in gss-ntlmssp's
    /// memory (its `ntlmssp_password` credential store key): nothing is written anywhere.
    public static func password(user: String, password: String) throws(SecurityError) -> GSSCredential {
        var status = CGSS_Status()
        guard let raw = CGSS_credential_from_password(user, password, &status) else {
            throw SecurityError(status: status)
        }
        return GSSCredential(raw: raw)
    }

    /// Kerberos for `principal` from a client keytab; tickets live in `cache` (a `MEMORY:` cache by default), and MIT
    /// fetches fresh ones from the keytab before they expire.
    public static func keytab(principal: String, keytab: String, cache: String? = nil) throws(SecurityError)
        -> GSSCredential
    {
        var status = CGSS_Status()
        let cacheName = cache ?? "MEMORY:hyperv-agent-\(ProcessIdentifier.current)"
        guard let raw = CGSS_credential_from_keytab(principal, keytab, cacheName, &status) else {
            throw SecurityError(status: status)
        }
        return GSSCredential(raw: raw)
    }

    /// The acceptor side (the fixture): Kerberos keys from `keytab`, NTLM users from `NTLM_USER_FILE`.
    public static func acceptor(keytab: String?) throws(SecurityError) -> GSSCredential {
        var status = CGSS_Status()
        guard let raw = CGSS_acceptor_credential(keytab, &status) else { throw SecurityError(status: status) }
        return GSSCredential(raw: raw)
    }

    /// Seconds left (0 when expired or unknown).
    public var lifetime: UInt32 { CGSS_credential_lifetime(raw) }

    public var name: String? {
        guard let pointer = CGSS_credential_name(raw) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

enum ProcessIdentifier {
    static var current: Int32 { getpid() }
}

#if canImport(Glibc)
    import Glibc
#endif
