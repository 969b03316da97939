import Foundation
import TestSupport
import Testing
import WSMan
import WinRMFixture
import WinRMSecurity

@testable import WSManCurl

/// DESIGN §9: each reason a host answers 401 gets its own message naming the fix — told apart from the schemes
/// the host offered and whether a Negotiate token could be produced.
@Suite struct AuthenticationDiagnosisTests {
    /// A fixture offering `schemes`, asked with `authentication`; returns the WS-Man error's detail.
    func refusal(
        offering schemes: [String], authentication: CurlTransportConfiguration.Authentication,
        password: String = "right-pw-123", kerberos: Bool = false, ntlmssp: Bool = false
    ) async throws -> WSManError? {
        let fixture = try await FixtureServer.startQuiet(IdentifyResponder(), user: "hvadmin", password: "right-pw-123")
        {
            $0.offeredAuthSchemes = schemes
        }
        return try await using(fixture) { fixture -> WSManError? in
            var settings = CurlTransportConfiguration(url: fixture.url)
            settings.allowUnencrypted = true
            settings.authentication = authentication
            settings.username = "hvadmin"
            settings.password = password
            settings.kerberosTicketAvailable = { kerberos }
            settings.ntlmMechanismInstalled = { ntlmssp }
            let client = WSManClient(transport: try CurlTransport(configuration: settings))
            do {
                _ = try await client.identify()
                return nil
            } catch let error as WSManError {
                return error
            }
        }
    }

    @Test func basicRefusedByANegotiateOnlyHost() async throws {
        let error = try await refusal(offering: ["Negotiate", "Kerberos"], authentication: .basic)
        #expect(error?.code == .unauthorized)
        #expect(
            error?.detail.contains("refuses Basic authentication (it offers Negotiate)") == true,
            "\(error?.detail ?? "")")
        #expect(error?.detail.contains("winrm.auth = negotiate") == true)
    }

    @Test func theNTLMSchemeRefused() async throws {
        let error = try await refusal(offering: ["Negotiate"], authentication: .ntlm)
        #expect(error?.detail.contains("does not accept the NTLM scheme") == true, "\(error?.detail ?? "")")
    }

    @Test func noCredentialsNamesWhatToInstallOrGet() {
        let none = SecurityError(
            code: .noCredentials, call: "gss_init_sec_context", detail: "SPNEGO cannot find mechanisms to negotiate")
        let withoutNTLM = NegotiateDiagnosis.explain(
            none, source: .ambient, principalHost: "hv01", ntlmInstalled: false)
        #expect(withoutNTLM.contains("no credentials for Negotiate: there is no Kerberos ticket"))
        #expect(withoutNTLM.contains("install gss-ntlmssp"))
        let withNTLM = NegotiateDiagnosis.explain(none, source: .ambient, principalHost: "hv01", ntlmInstalled: true)
        #expect(!withNTLM.contains("install gss-ntlmssp") && withNTLM.contains("winrm.username"))
        let password = NegotiateDiagnosis.explain(
            none, source: .password(user: "HV\\alice"), principalHost: "hv01", ntlmInstalled: false)
        #expect(password.contains("no NTLM mechanism") && password.contains("apt-get install gss-ntlmssp"))
    }

    @Test func aNegotiateHostThatAnswersNoTokenRefusedTheCredentials() async throws {
        let error = try await refusal(offering: ["Negotiate"], authentication: .negotiate)
        #expect(error?.code == .unauthorized)
        #expect(error?.detail.contains("the host refused the credentials (Negotiate/NTLM)") == true, "\(error?.detail ?? "")")
    }

    @Test func kerberosCausesNameTheirFix() {
        let keytab = NegotiateCredentialSource.Kind.keytab(principal: "svc@EXAMPLE.ORG", path: "/etc/k.keytab")
        func text(_ code: SecurityError.Code) -> String {
            NegotiateDiagnosis.explain(
                SecurityError(code: code, call: "gss_init_sec_context", detail: "x"), source: keytab,
                principalHost: "hv01.example.org", ntlmInstalled: true)
        }
        #expect(text(.expired).contains("the Kerberos ticket has expired"))
        #expect(text(.unknownService).contains("does not know the service principal HTTP/hv01.example.org"))
        #expect(text(.clockSkew).contains("clock skew"))
        #expect(text(.kdcUnreachable).contains("no KDC of the realm could be reached"))
        #expect(text(.unknownClient).contains("does not know svc@EXAMPLE.ORG"))
        #expect(text(.keytab).contains("/etc/k.keytab for svc@EXAMPLE.ORG cannot be used"))
        #expect(text(.noCommonMechanism).contains("the host offers only NTLM inside Negotiate"))
        let all = [SecurityError.Code.noCredentials, .expired, .unknownService, .clockSkew, .kdcUnreachable,
            .unknownClient, .keytab, .noCommonMechanism, .integrity, .badName, .other].map(text)
        #expect(Set(all).count == all.count, "one message per cause")
    }

    @Test func wrongPasswordIsTheCredentials() async throws {
        let error = try await refusal(
            offering: ["Negotiate", "Basic realm=\"WSMAN\""], authentication: .basic, password: "wrong-pw")
        #expect(error?.detail.contains("refused the credentials") == true, "\(error?.detail ?? "")")
        #expect(error?.detail.contains("wrong-pw") == false, "the password is never echoed")
    }

    @Test func theRightPasswordPasses() async throws {
        #expect(try await refusal(offering: ["Negotiate", "Basic realm=\"WSMAN\""], authentication: .basic) == nil)
    }

    @Test func theDiagnosisTable() {
        typealias D = AuthenticationDiagnosis
        #expect(
            D.explain(configured: .negotiate, offered: [.basic], hasKerberosTicket: true, ntlmMechanismInstalled: true)
                .contains("does not offer Negotiate"))
        #expect(
            D.explain(
                configured: .negotiate, offered: [.negotiate], hasKerberosTicket: true, ntlmMechanismInstalled: false
            )
            .contains("refused the credentials"))
        #expect(
            D.explain(
                configured: .negotiate, offered: [.negotiate], hasKerberosTicket: false, ntlmMechanismInstalled: true
            )
            .contains("refused the credentials"))
    }
}
