import Foundation
import TestSupport
import Testing
import WinRMSecurity

/// RFC 5929 `tls-server-end-point`: the prefix, then the certificate's hash — checked against OpenSSL's command line.
@Suite struct ChannelBindingsTests {
    @Test func endPointBindingsAreTheCertificateHash() async throws {
        let certificate = Bundle.module.resourceURL!.appendingPathComponent("Certificates/server.pem")
        let pem = try String(contentsOf: certificate, encoding: .utf8)
        let bindings = try #require(ChannelBindings.tlsServerEndPoint(pem: pem))
        let prefix = Array("tls-server-end-point:".utf8)
        #expect(Array(bindings.prefix(prefix.count)) == prefix)
        let openssl = try await ChildProcess.run(
            "/bin/sh", ["-c", "openssl x509 -in '\(certificate.path)' -outform DER | openssl dgst -sha256 -hex"])
        let expected = try #require(openssl.stdout.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        let hex = bindings.dropFirst(prefix.count).map { String(format: "%02x", $0) }.joined()
        #expect(hex == expected)
        #expect(ChannelBindings.tlsServerEndPoint(pem: "not a certificate") == nil)
    }
}
