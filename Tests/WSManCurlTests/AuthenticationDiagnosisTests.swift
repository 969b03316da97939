import Foundation
import TestSupport
import Testing
import WSMan
import WinRMFixture

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

    @Test func noNegotiateTokenWithoutTicketOrGssNtlmssp() async throws {
        let error = try await refusal(offering: ["Negotiate"], authentication: .negotiate)
        #expect(error?.detail.contains("no Negotiate token could be produced") == true, "\(error?.detail ?? "")")
        #expect(error?.detail.contains("gss-ntlmssp") == true)
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
