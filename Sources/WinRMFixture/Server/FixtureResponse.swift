/// What the fixture answers to one HTTP request.
public struct FixtureResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String = "application/soap+xml;charset=UTF-8"

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Answers WS-Man requests (the simulator, the transcript replayer).
public protocol WSManResponder: Sendable {
    func respond(to request: [UInt8]) async -> FixtureResponse
}
