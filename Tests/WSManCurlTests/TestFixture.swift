import Foundation
import Logging
import TestSupport
import WSMan
import WinRMFixture
import XMLSupport

/// A responder that answers Identify (and counts requests): enough to exercise the transport.
struct IdentifyResponder: WSManResponder {
    func respond(to request: [UInt8]) async -> FixtureResponse {
        let relates = (try? IncomingRequest.read(request))?.messageID
        let body = ResponseEnvelope().build(action: "IdentifyResponse", relatesTo: relates) { body in
            let response = body.addChild("IdentifyResponse", namespace: NS.identity)
            response.addChild(
                "ProtocolVersion", namespace: NS.identity, text: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd")
            response.addChild("ProductVendor", namespace: NS.identity, text: "Microsoft Corporation")
            response.addChild("ProductVersion", namespace: NS.identity, text: "OS: 10.0.20348 SP: 0.0 Stack: 3.0")
        }
        return FixtureResponse(status: 200, body: body)
    }
}

enum Certificates {
    static var directory: URL { Bundle.module.resourceURL!.appendingPathComponent("Certificates") }
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

func startFixture(tls: Bool) async throws -> RunningFixture {
    var configuration = FixtureServerConfiguration()
    configuration.username = "hvadmin"
    configuration.password = #"s3cr&t<'"pw"#
    if tls {
        configuration.tlsCertificatePath = Certificates.path("server.pem")
        configuration.tlsKeyPath = Certificates.path("server.key")
    }
    var logger = Logger(label: "test-fixture")
    logger.logLevel = .critical
    return try await FixtureServer.start(responder: IdentifyResponder(), configuration: configuration, logger: logger)
}

extension RunningFixture: AsyncStoppable {}
