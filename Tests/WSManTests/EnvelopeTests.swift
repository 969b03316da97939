import Testing
import WSMan
import XMLSupport

@Suite struct EnvelopeTests {
    let to = "https://hv1.example:5986/wsman"

    @Test func getCarriesTheCommonHeaderAndSelectors() throws {
        let request = GetRequest(
            resourceURI: ResourceURI.v2("Msvm_ComputerSystem"),
            selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", "VM-GUID")])
        let document = try XMLDocument.parse(try request.envelope(to: to, messageID: "uuid:1").serializedBytes())
        #expect(try document.string("/s:Envelope/s:Header/a:To", namespaces: ns) == to)
        #expect(try document.string("/s:Envelope/s:Header/a:Action", namespaces: ns) == Action.get)
        #expect(
            try document.string("/s:Envelope/s:Header/w:ResourceURI", namespaces: ns)
                == ResourceURI.v2("Msvm_ComputerSystem"))
        #expect(try document.string("/s:Envelope/s:Header/w:ResourceURI/@s:mustUnderstand", namespaces: ns) == "true")
        #expect(try document.string("/s:Envelope/s:Header/a:ReplyTo/a:Address", namespaces: ns) == Addressing.anonymous)
        #expect(try document.string("/s:Envelope/s:Header/a:MessageID", namespaces: ns) == "uuid:1")
        #expect(try document.string("/s:Envelope/s:Header/w:Locale/@xml:lang", namespaces: ns) == "en-US")
        #expect(try document.string("/s:Envelope/s:Header/w:Locale/@s:mustUnderstand", namespaces: ns) == "false")
        #expect(try document.string("/s:Envelope/s:Header/w:OperationTimeout", namespaces: ns).hasPrefix("PT"))
        #expect(
            try document.string("/s:Envelope/s:Header/w:SelectorSet/w:Selector[@Name='Name']", namespaces: ns)
                == "VM-GUID")
        #expect(try document.nodes("/s:Envelope/s:Body/*", namespaces: ns).isEmpty)
    }

    @Test func enumerateUsesTheWildcardURIAndQuotesHostileValues() throws {
        let hostile = "x' OR Name LIKE '%"
        let wql = WQL.select(from: "Msvm_ComputerSystem", where: [("ElementName", hostile)])
        let document = try XMLDocument.parse(
            try EnumerateRequest(wql: wql).envelope(to: to, messageID: "uuid:2").serializedBytes())
        #expect(
            try document.string("/s:Envelope/s:Header/w:ResourceURI", namespaces: ns) == ResourceURI.virtualizationV2
                + "/*")
        #expect(try document.string("/s:Envelope/s:Header/a:Action", namespaces: ns) == Action.enumerate)
        let filter = try document.string("/s:Envelope/s:Body/n:Enumerate/w:Filter", namespaces: ns)
        #expect(filter == #"SELECT * FROM Msvm_ComputerSystem WHERE ElementName = 'x\' OR Name LIKE \'%'"#)
        #expect(try document.string("/s:Envelope/s:Body/n:Enumerate/w:Filter/@Dialect", namespaces: ns) == Dialect.wql)
        #expect(try document.nodes("/s:Envelope/s:Body/n:Enumerate/w:OptimizeEnumeration", namespaces: ns).count == 1)
        #expect(try document.string("/s:Envelope/s:Body/n:Enumerate/w:MaxElements", namespaces: ns) == "100")
    }

    @Test func pullAndReleaseCarryTheContext() throws {
        let pull = try XMLDocument.parse(
            try PullRequest(context: "uuid:ctx-2").envelope(to: to, messageID: "uuid:3").serializedBytes())
        #expect(try pull.string("/s:Envelope/s:Body/n:Pull/n:EnumerationContext", namespaces: ns) == "uuid:ctx-2")
        #expect(try pull.string("/s:Envelope/s:Body/n:Pull/n:MaxElements", namespaces: ns) == "100")
        let release = try XMLDocument.parse(
            try ReleaseRequest(context: "uuid:ctx-3").envelope(to: to, messageID: "uuid:4").serializedBytes())
        #expect(try release.string("/s:Envelope/s:Header/a:Action", namespaces: ns) == Action.release)
        #expect(try release.string("/s:Envelope/s:Body/n:Release/n:EnumerationContext", namespaces: ns) == "uuid:ctx-3")
    }

    @Test func invokeWritesUnwrappedEPRsAndEscapedEmbeddedInstances() throws {
        let service = ResourceURI.v2("Msvm_VirtualSystemManagementService")
        let vm = EndpointReference(
            resourceURI: ResourceURI.v2("Msvm_ComputerSystem"),
            selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", "GUID-1")])
        let name = #"it's\a "vm" <&> ✓"#
        let settings = CIMInstance(
            className: "Msvm_VirtualSystemSettingData",
            properties: [
                .init("InstanceID", type: "string", .scalar("Microsoft:SNAP")),
                .init("ElementName", type: "string", .scalar(name)),
                .init("Notes", type: "string", .array(["a", "b"])),
            ])
        let request = InvokeRequest(
            resourceURI: service, method: "ModifySystemSettings",
            selectors: [Selector("CreationClassName", "Msvm_VirtualSystemManagementService")],
            parameters: [
                .reference("AffectedSystem", vm), .embedded("SystemSettings", settings), .scalar("Count", "2"),
                .init("Items", .array(["x", "y"])),
            ])
        let document = try XMLDocument.parse(try request.envelope(to: to, messageID: "uuid:5").serializedBytes())
        var bindings = ns
        bindings["p"] = service
        #expect(
            try document.string("/s:Envelope/s:Header/a:Action", namespaces: ns) == service + "/ModifySystemSettings")
        #expect(
            try document.string(
                "/s:Envelope/s:Header/w:SelectorSet/w:Selector[@Name='CreationClassName']", namespaces: ns)
                == "Msvm_VirtualSystemManagementService")
        let input = "/s:Envelope/s:Body/p:ModifySystemSettings_INPUT"
        #expect(try document.nodes("\(input)/p:AffectedSystem/a:EndpointReference", namespaces: bindings).isEmpty)
        #expect(
            try document.string("\(input)/p:AffectedSystem/a:Address", namespaces: bindings) == Addressing.anonymous)
        #expect(
            try document.string("\(input)/p:AffectedSystem/a:ReferenceParameters/w:ResourceURI", namespaces: bindings)
                == ResourceURI.v2("Msvm_ComputerSystem"))
        #expect(
            try document.string(
                "\(input)/p:AffectedSystem/a:ReferenceParameters/w:SelectorSet/w:Selector[@Name='Name']",
                namespaces: bindings) == "GUID-1")
        #expect(try document.string("\(input)/p:Count", namespaces: bindings) == "2")
        #expect(try document.nodes("\(input)/p:Items", namespaces: bindings).map(\.text) == ["x", "y"])
        // The embedded instance is text (no element tree) and parses back to the same CIM instance.
        #expect(try document.nodes("\(input)/p:SystemSettings/*", namespaces: bindings).isEmpty)
        let text = try document.string("\(input)/p:SystemSettings", namespaces: bindings)
        #expect(text.hasPrefix("<INSTANCE CLASSNAME=\"Msvm_VirtualSystemSettingData\">"))
        let parsed = try CIMInstance.parse(cimXML: text)
        #expect(parsed == settings)
        #expect(parsed["ElementName"] == name)
        let raw = try request.envelope(to: to, messageID: "uuid:5").serializedString()
        #expect(raw.contains("&lt;INSTANCE CLASSNAME="))
    }

    @Test func identifyHasNoAddressingHeader() throws {
        let document = try XMLDocument.parse(try IdentifyRequest().envelope().serializedBytes())
        #expect(try document.nodes("/s:Envelope/s:Header/*", namespaces: ns).isEmpty)
        #expect(
            try document.nodes("/s:Envelope/s:Body/i:Identify", namespaces: ["s": NS.soap.uri, "i": NS.identity.uri])
                .count == 1)
    }

    @Test func messageIDsAreUniqueUUIDs() {
        let ids = (0..<100).map { _ in MessageID.random() }
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.hasPrefix("uuid:") && $0.count == 41 })
    }
}
