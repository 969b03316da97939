import Synchronization
import WinRMSecurity

/// Where a Negotiate handshake gets its credential, acquired once per transport (one per `serve` process) and shared
/// by its connections:
/// - a client keytab (`winrm.kerberos_keytab` + `winrm.kerberos_principal`): Kerberos, tickets in a private memory
///   cache that MIT GSS-API refreshes from the keytab before they expire;
/// - `winrm.username` + the password: NTLM through gss-ntlmssp with the password held in memory (never a file);
/// - neither: the ambient credential — the Kerberos ticket cache (`KRB5CCNAME`, kept by kinit/k5start/sssd).
final class NegotiateCredentialSource: Sendable {
    enum Kind: Sendable, Equatable {
        case keytab(principal: String, path: String)
        case password(user: String)
        case ambient
    }

    let kind: Kind
    private let password: String?
    private let cached = Mutex<GSSCredential?>(nil)
    /// HTTPS: the host certificate's channel bindings, learnt on the first connection (later connections reuse the
    /// TLS session without a certificate to read).
    private let bindings = Mutex<[UInt8]?>(nil)

    init(configuration: CurlTransportConfiguration) {
        if let keytab = configuration.kerberosKeytab {
            kind = .keytab(principal: keytab.principal, path: keytab.path)
            password = nil
        } else if let user = configuration.username, !user.isEmpty, let password = configuration.password {
            kind = .password(user: user)
            self.password = password
        } else {
            kind = .ambient
            password = nil
        }
    }

    /// The credential for the next handshake (`nil`: GSS-API's default, looked up afresh each time).
    func credential() throws(SecurityError) -> GSSCredential? {
        if let credential = cached.withLock({ $0 }), credential.lifetime > 0 { return credential }
        let fresh: GSSCredential?
        switch kind {
        case .ambient:
            return nil
        case .password(let user):
            fresh = try GSSCredential.password(user: user, password: password ?? "")
        case .keytab(let principal, let path):
            fresh = try GSSCredential.keytab(principal: principal, keytab: path)
        }
        cached.withLock { $0 = fresh }
        return fresh
    }

    /// Forgets the credential (the next handshake acquires a new one).
    func reset() { cached.withLock { $0 = nil } }

    var channelBindings: [UInt8]? {
        get { bindings.withLock { $0 } }
        set { bindings.withLock { $0 = newValue } }
    }
}
