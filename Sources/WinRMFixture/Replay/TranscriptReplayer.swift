import Foundation
import Logging
import WSMan
import XMLSupport

/// Serves recorded transcripts. A request is matched by ``RequestKey``; a request seen again (job polling)
/// gets the next recorded answer for that key, the last one repeating once they run out. Answers get the
/// current request's MessageID as `a:RelatesTo`. An unmatched request gets a SOAP fault naming the closest
/// recorded request, and is logged.
public actor TranscriptReplayer: WSManResponder {
    struct Recorded {
        var answers: [(status: Int, body: [UInt8])]
        var served = 0
    }

    private var table: [RequestKey: Recorded] = [:]
    private let logger: Logger
    public private(set) var unmatched: [String] = []

    public init(transcripts: [Transcript], logger: Logger = Logger(label: "winrm-fixture.replay")) throws {
        self.logger = logger
        for transcript in transcripts {
            for exchange in transcript.exchanges {
                let request: IncomingRequest
                do { request = try IncomingRequest.read(exchange.request) } catch {
                    throw TranscriptError(
                        message:
                            "\(transcript.name) exchange \(exchange.number): request is not a WS-Man envelope (\(error))"
                    )
                }
                table[RequestKey(request), default: Recorded(answers: [])].answers.append(
                    (exchange.status, exchange.response))
            }
        }
    }

    public init(directory: String, logger: Logger = Logger(label: "winrm-fixture.replay")) throws {
        try self.init(transcripts: try Transcript.readAll(path: directory), logger: logger)
    }

    public func respond(to bytes: [UInt8]) async -> FixtureResponse {
        let envelope = ResponseEnvelope()
        guard let request = try? IncomingRequest.read(bytes) else {
            return FixtureResponse(
                status: 400,
                body: envelope.fault(
                    code: "Sender", subcode: NS.wsman, subcodeName: "SchemaValidationError",
                    reason: "The request is not a WS-Man envelope.", wsmanCode: 2_150_858_817, relatesTo: nil))
        }
        let key = RequestKey(request)
        guard var recorded = table[key] else {
            let closest = table.keys.max { $0.similarity(to: key) < $1.similarity(to: key) }
            let message =
                "No recorded exchange matches \(key); closest recorded request: \(closest?.description ?? "none")"
            unmatched.append(message)
            logger.warning(
                "unmatched request", metadata: ["request": "\(key)", "closest": "\(closest?.description ?? "none")"])
            return FixtureResponse(
                status: 500,
                body: envelope.fault(
                    code: "Sender", subcode: NS.addressing, subcodeName: "DestinationUnreachable", reason: message,
                    wsmanCode: 2_150_858_752, relatesTo: request.messageID))
        }
        let answer = recorded.answers[min(recorded.served, recorded.answers.count - 1)]
        recorded.served += 1
        table[key] = recorded
        return FixtureResponse(status: answer.status, body: Self.relate(answer.body, to: request.messageID))
    }

    /// Rewrites `a:RelatesTo` to the live request's MessageID.
    static func relate(_ body: [UInt8], to messageID: String?) -> [UInt8] {
        guard let messageID, let document = try? XMLDocument.parse(body),
            let relates = document.soapHeader()?.child("RelatesTo", namespace: NS.addressing.uri)
        else { return body }
        relates.replaceText(with: messageID)
        return (try? document.serializedBytes()) ?? body
    }
}

/// A ``WSManTransport`` that hands envelopes straight to a responder (simulator or replayer), for tests of the
/// layers above without sockets. The same responders serve HTTP through ``FixtureServer``.
public struct InMemoryTransport: WSManTransport {
    public let endpoint: String
    public let responder: any WSManResponder

    public init(responder: any WSManResponder, endpoint: String = "https://hv.test:5986/wsman") {
        self.responder = responder
        self.endpoint = endpoint
    }

    public func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse {
        let answer = await responder.respond(to: envelope)
        return WSManHTTPResponse(status: answer.status, contentType: answer.contentType, body: answer.body)
    }
}
