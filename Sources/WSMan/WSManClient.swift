import XMLSupport

/// WS-Man operations over a ``WSManTransport``: Get, Enumerate (+Pull until EndOfSequence), Invoke, Identify.
///
/// Every failure surfaces as a ``WSManError`` naming the operation and the resource.
public struct WSManClient: Sendable {
    public let transport: any WSManTransport
    /// Generates `a:MessageID` values (`uuid:…`); injectable for deterministic tests.
    public var messageID: @Sendable () -> String
    /// Upper bound on Pull round trips for one enumeration (protection against a server that never ends).
    public var maxPulls: Int = 10_000
    public var maxResponseBytes: Int = XMLDocument.defaultMaxBytes

    public init(transport: any WSManTransport, messageID: @escaping @Sendable () -> String = MessageID.random) {
        self.transport = transport
        self.messageID = messageID
    }

    /// Sends a built envelope and classifies the answer.
    func exchange(_ document: XMLDocument, action: String, operation: String, resource: String)
        async throws(WSManError) -> XMLElement
    {
        let bytes: [UInt8]
        do {
            bytes = try document.serializedBytes()
        } catch {
            throw WSManError(
                code: .malformedResponse, operation: operation, resource: resource, detail: error.description)
        }
        let response: WSManHTTPResponse
        do {
            response = try await transport.send(bytes, action: action)
        } catch let error as TransportError {
            throw WSManError(
                code: .transport, operation: operation, resource: resource, transport: error, detail: error.message)
        } catch is CancellationError {
            let error = TransportError(code: .cancelled, message: "cancelled")
            throw WSManError(
                code: .transport, operation: operation, resource: resource, transport: error, detail: error.message)
        } catch {
            let wrapped = TransportError(code: .other, message: String(describing: error))
            throw WSManError(
                code: .transport, operation: operation, resource: resource, transport: wrapped, detail: wrapped.message)
        }
        let parsed = try ResponseClassifier.classify(
            response, operation: operation, resource: resource, maxBytes: maxResponseBytes)
        do {
            return try parsed.soapBody()
        } catch {
            throw WSManError(code: .malformedResponse, operation: operation, resource: resource, detail: error.message)
        }
    }

    private func malformed(_ error: XMLError, _ operation: String, _ resource: String) -> WSManError {
        WSManError(code: .malformedResponse, operation: operation, resource: resource, detail: error.description)
    }

    /// WS-Transfer Get of one instance.
    public func get(_ request: GetRequest) async throws(WSManError) -> WSManInstance {
        let body = try await exchange(
            request.envelope(to: transport.endpoint, messageID: messageID()), action: Action.get,
            operation: request.operationName, resource: request.resourceURI)
        guard let element = body.children.first else {
            throw WSManError(
                code: .malformedResponse, operation: request.operationName, resource: request.resourceURI,
                detail: "empty GetResponse body")
        }
        return WSManInstance.read(element)
    }

    /// Runs a WQL query to the end: Enumerate (optimized) then Pull with the latest context until EndOfSequence.
    /// If a Pull fails mid-way the context is released (best effort) before the error is thrown.
    public func enumerate(_ request: EnumerateRequest) async throws(WSManError) -> [WSManInstance] {
        let resource = Self.className(inWQL: request.wql)
        let first = try await exchange(
            request.envelope(to: transport.endpoint, messageID: messageID()), action: Action.enumerate,
            operation: request.operationName, resource: resource)
        var page: EnumerationPage
        do { page = try EnumerationPage.read(body: first) } catch {
            throw malformed(error, request.operationName, resource)
        }
        var items = page.items
        var pulls = 0
        while !page.endOfSequence, let context = page.context {
            pulls += 1
            guard pulls <= maxPulls else {
                await release(context: context, resourceURI: request.resourceURI)
                throw WSManError(
                    code: .malformedResponse, operation: "Pull", resource: resource,
                    detail: "enumeration did not end after \(maxPulls) pulls")
            }
            let pull = PullRequest(context: context, resourceURI: request.resourceURI, maxElements: request.maxElements)
            let body: XMLElement
            do {
                body = try await exchange(
                    pull.envelope(to: transport.endpoint, messageID: messageID()), action: Action.pull,
                    operation: pull.operationName, resource: resource)
            } catch {
                if error.code != .transport { await release(context: context, resourceURI: request.resourceURI) }
                throw error
            }
            do { page = try EnumerationPage.read(body: body) } catch { throw malformed(error, "Pull", resource) }
            items += page.items
        }
        return items
    }

    private func release(context: String, resourceURI: String) async {
        let request = ReleaseRequest(context: context, resourceURI: resourceURI)
        _ = try? await exchange(
            request.envelope(to: transport.endpoint, messageID: messageID()), action: Action.release,
            operation: request.operationName, resource: resourceURI)
    }

    /// Invokes a WMI method and returns its output parameters (ReturnValue is not interpreted here).
    public func invoke(_ request: InvokeRequest) async throws(WSManError) -> InvokeOutput {
        let body = try await exchange(
            request.envelope(to: transport.endpoint, messageID: messageID()),
            action: Action.invoke(request.resourceURI, method: request.method), operation: request.operationName,
            resource: request.resourceURI)
        do {
            return try InvokeOutput.read(body: body, method: request.method)
        } catch {
            throw malformed(error, request.operationName, request.resourceURI)
        }
    }

    /// WS-Man Identify.
    public func identify() async throws(WSManError) -> IdentifyResponse {
        let request = IdentifyRequest()
        let body = try await exchange(
            request.envelope(), action: "Identify", operation: request.operationName, resource: transport.endpoint)
        do {
            return try IdentifyResponse.read(body: body)
        } catch {
            throw malformed(error, request.operationName, transport.endpoint)
        }
    }

    /// The class a WQL query is about, for error messages (`… FROM Msvm_X …` or `ResultClass = Msvm_Y`).
    static func className(inWQL wql: String) -> String {
        let words = wql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        if let index = words.firstIndex(where: { $0.uppercased() == "RESULTCLASS" }), index + 2 < words.count {
            return words[index + 2]
        }
        if let index = words.firstIndex(where: { $0.uppercased() == "FROM" }), index + 1 < words.count {
            return words[index + 1]
        }
        return "WQL query"
    }
}

/// `uuid:` message identifiers.
public enum MessageID {
    /// A random RFC 4122 version-4 UUID, upper case, prefixed with `uuid:`.
    @Sendable public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
        let groups = [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }
        return "uuid:" + groups.joined(separator: "-")
    }
}
