import Foundation
import Testing

@testable import WSManCurl

/// gss-ntlmssp reads the NTLM credentials from the file `NTLM_USER_FILE` names: the agent keeps that file in memory.
@Suite(.serialized) struct NegotiateCredentialsTests {
    @Test func credentialsLiveInMemoryOnly() throws {
        unsetenv("NTLM_USER_FILE")
        defer { unsetenv("NTLM_USER_FILE") }
        let password = "memfd-Passw0rd-\(UUID().uuidString)"
        let path = try #require(
            try NegotiateCredentials.install(user: "HV\\svc-cloud", password: password, environment: [:]))
        #expect(path.hasPrefix("/proc/self/fd/"))
        #expect(ProcessInfo.processInfo.environment["NTLM_USER_FILE"] == path)
        // What gss-ntlmssp reads: DOMAIN:user:password.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "HV:svc-cloud:\(password)\n")
        // An anonymous memory file: it has no name in any directory.
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
        #expect(target.hasPrefix("/memfd:"), "\(target)")
        // Replacing (serve re-reading its configuration) keeps one file, with the new line.
        let again = try #require(
            try NegotiateCredentials.install(
                user: "alice", password: password + "2", environment: ProcessInfo.processInfo.environment))
        #expect(try String(contentsOfFile: again, encoding: .utf8) == ":alice:\(password)2\n")
    }

    @Test func anOperatorsOwnFileWins() throws {
        defer { unsetenv("NTLM_USER_FILE") }
        let installed = try NegotiateCredentials.install(
            user: "alice", password: "x", environment: ["NTLM_USER_FILE": "/etc/hyperv-agent/ntlm"])
        #expect(installed == nil)
    }
}
