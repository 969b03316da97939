import Foundation
import TestSupport
import Testing
import WSMan
import WinRMSecurity

@testable import WSManCurl

/// WinRM message encryption checked against implementations this project did not write: the agent's client against
/// pyspnego's pure-Python SPNEGO/NTLM acceptor (no GSS-API, no gss-ntlmssp), and winrm-fixture's acceptor against
/// pywinrm (requests-ntlm + pyspnego). `make test` installs both from PyPI into `.build-venv`; without them (offline)
/// these tests are skipped.
@Suite(.enabled(if: PythonPeers.python != nil, "pywinrm/pyspnego not installed in .build-venv"))
struct IndependentPeerTests {
    static var python: String? { PythonPeers.python }
    static var scripts: URL { PythonPeers.scripts }

    func usersFile(_ line: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("peer-users-\(UUID().uuidString)")
        try line.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func theAgentSealsForPyspnegosAcceptor() async throws {
        let python = try #require(Self.python)
        let password = "peer-\(UUID().uuidString)"
        let users = try usersFile("PEER:bob:\(password)\n")
        defer { try? FileManager.default.removeItem(at: users) }
        let peer = try await BackgroundProcess.start(
            python, [Self.scripts.appendingPathComponent("pyspnego_winrm_host.py").path],
            environment: ["NTLM_USER_FILE": users.path])
        try await using(peer) { peer in
            var settings = CurlTransportConfiguration(url: peer.firstLine)
            settings.username = "PEER\\bob"
            settings.password = password
            let transport = try CurlTransport(configuration: settings)
            let identity = try await WSManClient(transport: transport).identify()
            #expect(identity.productVendor == "pyspnego peer")
            // A second request on the same connection: sealed with the running sequence numbers.
            _ = try await WSManClient(transport: transport).identify()
            #expect(transport.statistics.mechanism == .ntlm)
            #expect(transport.statistics.messagesSealed)
            #expect(transport.statistics.connectionsOpened == 1)

            settings.password = "wrong"
            do {
                _ = try await WSManClient(transport: try CurlTransport(configuration: settings)).identify()
                Issue.record("a wrong password must be refused")
            } catch let error as WSManError {
                #expect(error.code == .unauthorized)
                #expect(error.detail.contains("the host refused the credentials"), "\(error.detail)")
            }
        }
    }

    @Test func pywinrmReadsTheFixturesSealedAnswers() async throws {
        let python = try #require(Self.python)
        let users = try usersFile("HV:carol:peer-password\n")
        defer { try? FileManager.default.removeItem(at: users) }
        let fixture = try await BackgroundProcess.start(
            ChildProcess.product("winrm-fixture"),
            ["simulate", "--ntlm-users", users.path, "--require-encryption", "--offer", "Negotiate"], environment: [:])
        try await using(fixture) { fixture in
            let script = Self.scripts.appendingPathComponent("pywinrm_get_vm.py").path
            let guid = "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F"  // i-2-17-VM of the default inventory
            let result = try await ChildProcess.run(
                python, [script, fixture.firstLine, "HV\\carol", "peer-password", guid])
            #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("transfer/GetResponse"))
            #expect(result.stdout.contains("<p:ElementName>i-2-17-VM</p:ElementName>"), "\(result.stdout.prefix(600))")
            let refused = try await ChildProcess.run(python, [script, fixture.firstLine, "HV\\carol", "wrong", guid])
            #expect(refused.status == 1)
            #expect(refused.stdout.contains("credentials were rejected"), "\(refused.stdout)")
        }
    }
}

/// Where `make test` puts the Python peers.
enum PythonPeers {
    static var repository: URL {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        return directory
    }
    static let python: String? = {
        let python = repository.appendingPathComponent(".build-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: python) ? python : nil
    }()
    static var scripts: URL { repository.appendingPathComponent("scripts/peers") }
}
