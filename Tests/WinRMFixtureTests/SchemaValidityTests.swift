import Foundation
import Testing
import WSMan
import WinRMFixture
import XMLSupport

/// Every response shape the simulator sends — and every request shape the agent sends — is valid against the SOAP
/// 1.2, WS-Addressing, WS-Enumeration and WS-Management schemas (`Schemas/`, with their sources in its README).
@Suite struct SchemaValidityTests {
    static let schema: XMLSchema? = {
        guard let url = Bundle.module.url(forResource: "all", withExtension: "xsd", subdirectory: "Schemas") else {
            return nil
        }
        return try? XMLSchema(path: url.path)
    }()

    static let to = "http://127.0.0.1:5985/wsman"

    func schema() throws -> XMLSchema { try #require(Self.schema, "Schemas/all.xsd compiles") }

    /// Sends a request envelope to a fresh simulator; checks request and response against the schemas.
    @discardableResult
    func exchange(
        _ simulator: HyperVSimulator, _ request: [UInt8], label: String, requestIsOurs: Bool = true
    ) async throws -> XMLDocument {
        let schema = try schema()
        if requestIsOurs {
            let violations = schema.violations(of: try XMLDocument.parse(request))
            #expect(violations.isEmpty, "request \(label): \(violations)")
        }
        let response = await simulator.respond(to: request)
        let document = try XMLDocument.parse(response.body)
        let violations = schema.violations(of: try XMLDocument.parse(Self.withoutWMITypes(response.body)))
        #expect(
            violations.isEmpty, "response \(label): \(violations)\n\(String(decoding: response.body, as: UTF8.self))")
        return document
    }

    func bytes(_ document: XMLDocument) throws -> [UInt8] { try document.serializedBytes() }

    /// WMI instances name their WMI class type (`xsi:type="p:Msvm_ComputerSystem_Type"`), for which no XML schema is
    /// published: drop those attributes so the instances are validated laxly, as everything else without a schema.
    static func withoutWMITypes(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let pattern = try? NSRegularExpression(pattern: #" xsi:type="p:[A-Za-z0-9_]+_Type""#) else {
            return bytes
        }
        let range = NSRange(text.startIndex..., in: text)
        return Array(pattern.stringByReplacingMatches(in: text, range: range, withTemplate: "").utf8)
    }

    /// The schemas accept what real hosts send: every response recording shipped with the parser tests.
    @Test func realRecordingsAreValid() throws {
        let schema = try schema()
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("WSManTests/Samples")
        let names = try FileManager.default.contentsOfDirectory(atPath: samples.path).filter {
            $0.hasPrefix("real-") && $0.hasSuffix(".xml")
        }
        #expect(names.count >= 8)
        for name in names {
            let bytes = Array(try Data(contentsOf: samples.appendingPathComponent(name)))
            let violations = schema.violations(of: try XMLDocument.parse(Self.withoutWMITypes(bytes)))
            #expect(violations.isEmpty, "\(name): \(violations)")
        }
    }

    @Test func theSchemasRejectWhatTheyShould() throws {
        let schema = try schema()
        let missingContext = """
            <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><s:Body><n:EnumerateResponse/></s:Body></s:Envelope>
            """
        #expect(!schema.violations(of: try XMLDocument.parse(Array(missingContext.utf8))).isEmpty)
        let badFaultCode = """
            <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Oops</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">x</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>
            """
        #expect(!schema.violations(of: try XMLDocument.parse(Array(badFaultCode.utf8))).isEmpty)
        let emptyPullItems = """
            <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><s:Body><n:PullResponse><n:Items/><n:EndOfSequence/></n:PullResponse></s:Body></s:Envelope>
            """
        #expect(!schema.violations(of: try XMLDocument.parse(Array(emptyPullItems.utf8))).isEmpty)
    }

    @Test func identifyGetAndInvoke() async throws {
        let simulator = HyperVSimulator()
        try await exchange(simulator, bytes(IdentifyRequest().envelope()), label: "Identify")
        let vm = vmEPR(runningVM)
        try await exchange(simulator, bytes(GetRequest(vm).envelope(to: Self.to, messageID: "uuid:1")), label: "Get VM")
        let create = service(
            snapshotService, "CreateSnapshot", [.reference("AffectedSystem", vm), .scalar("SnapshotType", "2")])
        let created = try await exchange(
            simulator, bytes(create.envelope(to: Self.to, messageID: "uuid:2")), label: "CreateSnapshot")
        let output = try InvokeOutput.read(body: created.soapBody(), method: "CreateSnapshot")
        let job = try #require(output.job)
        try await exchange(
            simulator, bytes(GetRequest(job).envelope(to: Self.to, messageID: "uuid:3")), label: "Get job")
        let settings = service(
            imageService, "GetVirtualHardDiskSettingData",
            [.scalar("Path", #"C:\ClusterStorage\Volume1\19ae8e67-cb2c-4ab4-901e-e0b864272b59.vhdx"#)])
        try await exchange(
            simulator, bytes(settings.envelope(to: Self.to, messageID: "uuid:4")),
            label: "GetVirtualHardDiskSettingData")
    }

    @Test func enumerationsPagedByElementsAndByEnvelopeSize() async throws {
        var host = SimulatedHost()
        for index in 0..<40 {
            host.addVM(name: "vm-\(index)", state: 3, disks: [(#"C:\VMs\vm-\#(index).vhdx"#, 1 << 30)])
        }
        let simulator = HyperVSimulator(host: host)
        let query = WQL.select(from: "Msvm_ComputerSystem")
        // Optimized, everything in one page: the context is there (empty) and EndOfSequence follows the items.
        let all = try await exchange(
            simulator,
            bytes(EnumerateRequest(wql: query, maxElements: 1000).envelope(to: Self.to, messageID: "uuid:5")),
            label: "Enumerate (one page)")
        let single = try EnumerationPage.read(body: all.soapBody())
        #expect(single.endOfSequence && single.items.count == 41)
        // Paged by MaxElements, then pulled to the end.
        let first = try await exchange(
            simulator, bytes(EnumerateRequest(wql: query, maxElements: 10).envelope(to: Self.to, messageID: "uuid:6")),
            label: "Enumerate (first page)")
        var page = try EnumerationPage.read(body: first.soapBody())
        var seen = page.items.count
        var pulls = 0
        while let context = page.context, !page.endOfSequence {
            let pulled = try await exchange(
                simulator,
                bytes(
                    PullRequest(context: context, maxElements: 10).envelope(to: Self.to, messageID: "uuid:p\(pulls)")),
                label: "Pull \(pulls)")
            page = try EnumerationPage.read(body: pulled.soapBody())
            seen += page.items.count
            pulls += 1
        }
        #expect(seen == 41 && pulls == 4)
        // Paged by MaxEnvelopeSize: 8 KB holds a few VMs per page, whatever MaxElements says.
        let small = try bytes(
            EnumerateRequest(wql: query, maxElements: 1000).envelope(to: Self.to, messageID: "uuid:7"))
        let limited = Array(
            String(decoding: small, as: UTF8.self).replacingOccurrences(of: ">512000<", with: ">8000<").utf8)
        let bySize = try await exchange(simulator, limited, label: "Enumerate (MaxEnvelopeSize 8000)")
        let sized = try EnumerationPage.read(body: bySize.soapBody())
        #expect(sized.items.count > 0 && sized.items.count < 41 && !sized.endOfSequence)
        if let context = sized.context {
            try await exchange(
                simulator, bytes(ReleaseRequest(context: context).envelope(to: Self.to, messageID: "uuid:8")),
                label: "Release")
        }
        // An item that cannot fit at all: the EncodingLimit fault.
        let tiny = Array(
            String(decoding: small, as: UTF8.self).replacingOccurrences(of: ">512000<", with: ">1600<").utf8)
        let fault = try await exchange(simulator, tiny, label: "EncodingLimit fault")
        let text = String(decoding: fault.serializedBytesWithoutDeclaration(), as: UTF8.self)
        #expect(text.contains("EncodingLimit") && text.contains("faultDetail/MaxEnvelopeSize"))
    }

    @Test func anEmptyEnumerationPulledIsValid() async throws {
        let simulator = HyperVSimulator(host: SimulatedHost())
        let request = EnumerateRequest(
            wql: WQL.select(from: "Msvm_ComputerSystem WHERE ElementName = 'none'"), optimize: false)
        let response = try await exchange(
            simulator, bytes(request.envelope(to: Self.to, messageID: "uuid:e1")), label: "Enumerate (nothing)")
        let context = try #require(try EnumerationPage.read(body: response.soapBody()).context)
        let pulled = try await exchange(
            simulator, bytes(PullRequest(context: context).envelope(to: Self.to, messageID: "uuid:e2")),
            label: "Pull (nothing)")
        let page = try EnumerationPage.read(body: pulled.soapBody())
        #expect(page.items.isEmpty && page.endOfSequence)
    }

    @Test func everyFaultShapeCarriesRelatesTo() async throws {
        let simulator = HyperVSimulator()
        let badSelector = GetRequest(
            resourceURI: vmResource, selectors: [Selector("CreationClassName", "Msvm_ComputerSystem")])
        let concrete = EnumerateRequest(wql: WQL.select(from: "Msvm_ComputerSystem"), resourceURI: vmResource)
        let cases: [(String, [UInt8])] = [
            ("invalid selectors", try bytes(badSelector.envelope(to: Self.to, messageID: "uuid:f1"))),
            ("WQL on a concrete class", try bytes(concrete.envelope(to: Self.to, messageID: "uuid:f2"))),
            (
                "unknown enumeration context",
                try bytes(PullRequest(context: "uuid:nope").envelope(to: Self.to, messageID: "uuid:f3"))
            ),
        ]
        for (label, request) in cases {
            let document = try await exchange(simulator, request, label: label)
            let text = String(decoding: document.serializedBytesWithoutDeclaration(), as: UTF8.self)
            #expect(text.contains("Fault"), "\(label) is a fault")
            #expect(text.contains("RelatesTo>uuid:f"), "\(label) relates to its request")
        }
        let unknownAction = try bytes(badSelector.envelope(to: Self.to, messageID: "uuid:f4"))
        let renamed = Array(
            String(decoding: unknownAction, as: UTF8.self).replacingOccurrences(
                of: "ws/2004/09/transfer/Get", with: "ws/2004/09/transfer/Frobnicate"
            ).utf8)
        try await exchange(simulator, renamed, label: "unknown action", requestIsOurs: false)
        try await exchange(
            simulator, Array("<s:Envelope><broken".utf8), label: "malformed request", requestIsOurs: false)
    }
}
