import Foundation
import TestSupport
import Testing
import WSMan
import WSManCurl
import WinRMFixture

@Suite struct CurlTransportTests {
    func configuration(_ url: String, password: String = #"s3cr&t<'"pw"#) -> CurlTransportConfiguration {
        var configuration = CurlTransportConfiguration(url: url)
        configuration.authentication = .basic
        configuration.username = "hvadmin"
        configuration.password = password
        configuration.timeoutSeconds = 5
        if url.hasPrefix("http://") { configuration.allowUnencrypted = true }
        return configuration
    }

    @Test func basicAuthOverHTTPSWithTheTestCA() async throws {
        let fixture = try await startFixture(tls: true)
        try await using(fixture) { fixture in
            var settings = configuration(fixture.url.replacingOccurrences(of: "127.0.0.1", with: "localhost"))
            settings.caFile = Certificates.path("ca.pem")
            let client = WSManClient(transport: try CurlTransport(configuration: settings))
            let identity = try await client.identify()
            #expect(identity.productVendor == "Microsoft Corporation")
            #expect(identity.productVersion.contains("OS: 10.0.20348"))
        }
    }

    @Test func wrongPasswordIsUnauthorized() async throws {
        let fixture = try await startFixture(tls: false)
        try await using(fixture) { fixture in
            let transport = try CurlTransport(configuration: configuration(fixture.url, password: "wrong"))
            let error = await #expect(throws: WSManError.self) {
                try await WSManClient(transport: transport).identify()
            }
            #expect(error?.code == .unauthorized)
            #expect(error?.description.contains("wrong") == false)
        }
    }

    @Test func unknownCAFailsVerification() async throws {
        let fixture = try await startFixture(tls: true)
        try await using(fixture) { fixture in
            var settings = configuration(fixture.url)
            settings.caFile = Certificates.path("other-ca.pem")
            let error = await #expect(throws: WSManError.self) {
                try await WSManClient(transport: try CurlTransport(configuration: settings)).identify()
            }
            #expect(error?.transport?.code == .tls)
            #expect(error?.description.contains("winrm.ca_file") == true)
        }
    }

    @Test func systemStoreDoesNotTrustTheTestCAButOptOutDoes() async throws {
        let fixture = try await startFixture(tls: true)
        try await using(fixture) { fixture in
            let strict = try CurlTransport(configuration: configuration(fixture.url))
            await #expect(throws: WSManError.self) { try await WSManClient(transport: strict).identify() }
            var relaxed = configuration(fixture.url)
            relaxed.verifyTLS = false
            _ = try await WSManClient(transport: try CurlTransport(configuration: relaxed)).identify()
        }
    }

    @Test func unencryptedHTTPNeedsExplicitOptIn() {
        // Negotiate over http seals every message: no opt-in needed.
        var settings = CurlTransportConfiguration(url: "http://127.0.0.1:5985/wsman")
        #expect(settings.sealsMessages)
        #expect(throws: Never.self) { try CurlTransport(configuration: settings) }
        // Plain text over http does.
        settings.messageEncryption = .never
        #expect(throws: TransportError.self) { try CurlTransport(configuration: settings) }
        settings.messageEncryption = .auto
        settings.authentication = .basic
        #expect(throws: TransportError.self) { try CurlTransport(configuration: settings) }
        settings.allowUnencrypted = true
        #expect(throws: Never.self) { try CurlTransport(configuration: settings) }
        // Encryption needs Negotiate's context.
        settings.messageEncryption = .always
        #expect(throws: TransportError.self) { try CurlTransport(configuration: settings) }
        // https: TLS encrypts, sealing only when asked for.
        var https = CurlTransportConfiguration(url: "https://hv01:5986/wsman")
        #expect(!https.sealsMessages)
        https.messageEncryption = .always
        #expect(https.sealsMessages)
        #expect(https.principalHost == "hv01")
        #expect(CurlTransportConfiguration(url: "http://[fd00::5]:5985/wsman").principalHost == "fd00::5")
        https.serviceHost = "hv01.example.org"
        #expect(https.principalHost == "hv01.example.org")
        #expect(throws: TransportError.self) {
            try CurlTransport(configuration: CurlTransportConfiguration(url: "https://u:p@host/wsman"))
        }
    }

    @Test func slowAnswerTimesOut() async throws {
        let fixture = try await startFixture(tls: false)
        try await using(fixture) { fixture in
            var settings = configuration(fixture.url)
            settings.timeoutSeconds = 1
            fixture.faults.inject(.delay(milliseconds: 3000))
            let error = await #expect(throws: WSManError.self) {
                try await WSManClient(transport: try CurlTransport(configuration: settings)).identify()
            }
            #expect(error?.transport?.code == .timeout)
        }
    }

    @Test func unreachablePortIsAConnectError() async throws {
        let transport = try CurlTransport(configuration: configuration("http://127.0.0.1:1/wsman"))
        let error = await #expect(throws: WSManError.self) { try await WSManClient(transport: transport).identify() }
        #expect(error?.transport?.code == .connect)
    }

    @Test func unresolvableHostIsAResolveError() async throws {
        let transport = try CurlTransport(configuration: configuration("http://no-such-host.invalid:5985/wsman"))
        let error = await #expect(throws: WSManError.self) { try await WSManClient(transport: transport).identify() }
        #expect(error?.transport?.code == .resolve)
    }

    @Test func droppedConnectionIsConnectionLostAndTheNextRequestWorks() async throws {
        let fixture = try await startFixture(tls: false)
        try await using(fixture) { fixture in
            let client = WSManClient(transport: try CurlTransport(configuration: configuration(fixture.url)))
            fixture.faults.inject(.dropConnection)
            let error = await #expect(throws: WSManError.self) { try await client.identify() }
            #expect(error?.code == .transport)
            _ = try await client.identify()
        }
    }

    @Test func keepAliveReusesOneConnection() async throws {
        let fixture = try await startFixture(tls: true)
        try await using(fixture) { fixture in
            var settings = configuration(fixture.url)
            settings.caFile = Certificates.path("ca.pem")
            settings.maxConnections = 1
            let transport = try CurlTransport(configuration: settings)
            let client = WSManClient(transport: transport)
            for _ in 0..<20 { _ = try await client.identify() }
            #expect(transport.statistics.requests == 20)
            #expect(transport.statistics.connectionsOpened == 1)
            #expect(fixture.requestLog.count == 20)
        }
    }

    @Test func poolBoundsConcurrentConnections() async throws {
        let fixture = try await startFixture(tls: false)
        try await using(fixture) { fixture in
            var settings = configuration(fixture.url)
            settings.maxConnections = 3
            let transport = try CurlTransport(configuration: settings)
            let client = WSManClient(transport: transport)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<30 { group.addTask { _ = try await client.identify() } }
                try await group.waitForAll()
            }
            #expect(transport.statistics.requests == 30)
            #expect(transport.statistics.connectionsOpened <= 3)
        }
    }

    @Test func cancellationAbortsAnInFlightRequest() async throws {
        let responder = HoldingResponder()
        let fixture = try await startFixture(tls: false, responder: responder)
        try await using(fixture) { fixture in
            defer { responder.release() }  // the held handler finishes before the fixture stops
            let client = WSManClient(transport: try CurlTransport(configuration: configuration(fixture.url)))
            let started = ContinuousClock.now
            let task = Task { try await client.identify() }
            for await _ in responder.arrivals { break }  // the request is in flight at the server
            task.cancel()
            let result = await task.result
            guard case .failure(let error as WSManError) = result else {
                Issue.record("expected a cancelled request, got \(result)")
                return
            }
            #expect(error.transport?.code == .cancelled)
            #expect(ContinuousClock.now - started < .seconds(3))
        }
    }
}
