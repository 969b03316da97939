import WinRMSecurity

/// What a Negotiate failure means for an operator, each cause naming its fix (DESIGN §9).
enum NegotiateDiagnosis {
    /// A GSS-API failure on the agent's side (no ticket, KDC errors, keytab, tokens that do not verify).
    static func explain(
        _ error: SecurityError, source: NegotiateCredentialSource.Kind, principalHost: String, ntlmInstalled: Bool
    ) -> String {
        let detail = "(GSS-API: \(error.detail))"
        switch error.code {
        case .noCredentials:
            switch source {
            case .ambient:
                let ntlm =
                    ntlmInstalled
                    ? "set winrm.username and the password for NTLM"
                    : "install gss-ntlmssp (apt-get install gss-ntlmssp) and set winrm.username and the password for NTLM"
                return
                    "no credentials for Negotiate: there is no Kerberos ticket (run kinit, point KRB5CCNAME at a kept cache, or set winrm.kerberos_keytab and winrm.kerberos_principal) — or \(ntlm) \(detail)"
            case .password:
                return ntlmInstalled
                    ? "NTLM credentials could not be set up for winrm.username \(detail)"
                    : "no NTLM mechanism for winrm.username and the password: install gss-ntlmssp (apt-get install gss-ntlmssp) \(detail)"
            case .keytab(let principal, let path):
                return
                    "no Kerberos credentials for \(principal) from the keytab \(path): check that it holds the principal's key (klist -k \(path)) \(detail)"
            }
        case .expired:
            return
                "the Kerberos ticket has expired: renew it (kinit, or keep it fresh with k5start/sssd), or set winrm.kerberos_keytab and winrm.kerberos_principal so the agent renews it itself \(detail)"
        case .unknownService:
            return
                "the KDC does not know the service principal HTTP/\(principalHost): winrm.url must name the host as its SPN is registered (its FQDN, not an IP address — setspn -L <host> on Windows), or set winrm.service_host; with an alias, set dns_canonicalize_hostname/rdns in krb5.conf as README says \(detail)"
        case .clockSkew:
            return
                "clock skew: this machine's clock and the KDC's or Hyper-V host's differ by more than krb5's limit (5 minutes by default): synchronise time with the domain (chrony/NTP against the domain controllers) \(detail)"
        case .kdcUnreachable:
            return
                "no KDC of the realm could be reached: check [realms] kdc = … in krb5.conf (or the _kerberos DNS SRV records) and that port 88 is reachable from this machine \(detail)"
        case .unknownClient:
            let name: String =
                switch source {
                case .keytab(let principal, _): principal
                default: "the client principal"
                }
            return "the KDC does not know \(name): check winrm.kerberos_principal (user@REALM, realm in capitals) \(detail)"
        case .keytab:
            let where_: String =
                switch source {
                case .keytab(let principal, let path): "\(path) for \(principal)"
                default: "the keytab"
                }
            return
                "the keytab \(where_) cannot be used: check the path, that the agent's user can read it, and that it holds the principal's current key (klist -k; re-export after a password change) \(detail)"
        case .noCommonMechanism:
            if case .keytab = source {
                return
                    "the host offers only NTLM inside Negotiate but the agent has only Kerberos credentials (winrm.kerberos_keytab): register the SPN HTTP/\(principalHost) for the host and reach it by that name, or set winrm.username and the password for NTLM \(detail)"
            }
            return
                "the host and the agent have no Negotiate mechanism in common (Kerberos or NTLM): check winrm.auth and the host's Negotiate/Kerberos settings \(detail)"
        case .integrity:
            return "a Negotiate token or sealed message from the host did not verify (tampered with, or a proxy rewrote it) \(detail)"
        case .badName:
            return "the service name HTTP@\(principalHost) is not valid for GSS-API: check winrm.url or winrm.service_host \(detail)"
        case .other:
            return "the Negotiate handshake failed on the agent's side \(detail)"
        }
    }

    /// A 401 that ended the handshake.
    static func refusedHandshake(
        offered: [String], legs: Int, source: NegotiateCredentialSource.Kind, overTLS: Bool, principalHost: String,
        channelBinding: Bool = true
    ) -> String {
        let lower = offered.map { $0.lowercased() }
        if legs == 1, !lower.contains("negotiate") {
            let names = offered.isEmpty ? "no scheme" : offered.joined(separator: ", ")
            return
                "the host does not offer Negotiate (it offers \(names)): set winrm.auth to one it offers, or enable Negotiate on the host (winrm set winrm/config/service/auth @{Negotiate=\"true\"})"
        }
        let kerberosRefusal =
            "the host refused the Kerberos ticket for HTTP/\(principalHost): the SPN must belong to this host's account (setspn -L <host>), and the account must be in the host's Administrators or Hyper-V Administrators group"
        switch source {
        case .keytab:
            return kerberosRefusal
        case .ambient where legs == 1:  // a ticket's AP-REQ is one leg, refused at once
            return kerberosRefusal
        default:
            let binding =
                overTLS && !channelBinding
                ? "; the host may also require channel binding (CbtHardeningLevel=Strict), which winrm.channel_binding = never turned off: set it to auto"
                : overTLS
                ? " (the agent binds the authentication to the host's TLS certificate, as CbtHardeningLevel=Strict requires: a TLS-inspecting proxy between agent and host makes that fail)"
                : ""
            return
                "the host refused the credentials (Negotiate/NTLM): check winrm.username (DOMAIN\\user for a domain account) and the password; the account must be in the host's Administrators or Hyper-V Administrators group\(binding)"
        }
    }

    /// A 401 for a message sent on a connection whose handshake had completed.
    static func refusedAfterHandshake(sealed: Bool, overTLS: Bool) -> String {
        if !sealed && !overTLS {
            return
                "the host requires message encryption (AllowUnencrypted=false): set winrm.message_encryption = auto or always, or use https://"
        }
        if sealed {
            return
                "the host refused the encrypted message on an authenticated connection: it may not accept WinRM message encryption from this account; check the host's WinRM service settings, or use https://"
        }
        return
            "the host refused the request on a connection it had just authenticated: check the host's WinRM service settings (winrm get winrm/config/service) and its event log"
    }
}
