import Foundation
import TestSupport
import Testing
import WSMan
import WSManCurl
import WinRMFixture
import XMLSupport

/// What real Hyper-V hosts reject or do differently, reproduced by the simulator, exercised over loopback HTTP
/// through the libcurl transport.
@Suite struct SimulatorRealHostRulesTests {
    @Test func wqlAgainstAConcreteClassURIIsAFault() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let request = EnumerateRequest(wql: "SELECT * FROM Msvm_ComputerSystem", resourceURI: vmResource)
            let error = await #expect(throws: WSManError.self) { try await harness.client.enumerate(request) }
            #expect(error?.fault?.subcode == "CannotProcessFilter")
            let ok = try await harness.client.enumerate(EnumerateRequest(wql: "SELECT * FROM Msvm_ComputerSystem"))
            #expect(ok.count == 3)  // host + two VMs
        }
    }

    @Test func oneItemPerPullUnlessMaxElements() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let enumerate = EnumerateRequest(wql: "SELECT * FROM Msvm_ComputerSystem", optimize: false)
            let first = try await harness.transport.send(
                try enumerate.envelope(to: harness.fixture.url, messageID: MessageID.random()).serializedBytes(),
                action: Action.enumerate)
            var page = try EnumerationPage.read(body: try XMLDocument.parse(first.body).soapBody())
            #expect(page.items.isEmpty)
            var sizes: [Int] = []
            while let context = page.context, !page.endOfSequence {
                let pull = PullRequest(context: context, maxElements: nil)
                let answer = try await harness.transport.send(
                    try pull.envelope(to: harness.fixture.url, messageID: MessageID.random()).serializedBytes(),
                    action: Action.pull)
                page = try EnumerationPage.read(body: try XMLDocument.parse(answer.body).soapBody())
                sizes.append(page.items.count)
            }
            #expect(sizes == [1, 1, 1])
            #expect(page.endOfSequence)
        }
    }

    @Test func wrappedEPRIsASchemaValidationError() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let request = service(snapshotService, "CreateSnapshot", [.reference("AffectedSystem", vmEPR(runningVM))])
            let document = request.envelope(to: harness.fixture.url, messageID: MessageID.random())
            var xml = try document.serializedString()
            // Wrap the EPR the way some clients (and a hand-written fixture) do.
            xml = xml.replacingOccurrences(of: "<p:AffectedSystem>", with: "<p:AffectedSystem><a:EndpointReference>")
                .replacingOccurrences(of: "</p:AffectedSystem>", with: "</a:EndpointReference></p:AffectedSystem>")
            let answer = try await harness.raw(xml)
            #expect(answer.status == 500)
            let error = #expect(throws: WSManError.self) {
                try ResponseClassifier.classify(answer, operation: "Invoke CreateSnapshot", resource: snapshotService)
            }
            #expect(error?.fault?.subcode == "SchemaValidationError")
            #expect(await harness.simulator.host.checkpoints.count == 2)
        }
    }

    @Test func elementTreeEmbeddedInstanceIsASchemaValidationError() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let tree = """
                <p:SystemSettings><v:Msvm_VirtualSystemSettingData xmlns:v="\(ResourceURI.v2("Msvm_VirtualSystemSettingData"))"><v:InstanceID>Microsoft:\(runningVM)</v:InstanceID></v:Msvm_VirtualSystemSettingData></p:SystemSettings>
                """
            let request = service(managementService, "ModifySystemSettings", [.scalar("SystemSettings", "PLACEHOLDER")])
            let xml = try request.envelope(to: harness.fixture.url, messageID: MessageID.random()).serializedString()
                .replacingOccurrences(of: "<p:SystemSettings>PLACEHOLDER</p:SystemSettings>", with: tree)
            let answer = try await harness.raw(xml)
            let error = #expect(throws: WSManError.self) {
                try ResponseClassifier.classify(
                    answer, operation: "Invoke ModifySystemSettings", resource: managementService)
            }
            #expect(error?.fault?.subcode == "SchemaValidationError")
            #expect(error?.fault?.wsmanCode == 2_150_858_817)
        }
    }

    @Test func applySnapshotOnARunningVMReturns32775WithoutAJob() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let checkpoint = try #require(await harness.simulator.host.checkpoints(ofVM: runningVM).first)
            let output = try await harness.client.invoke(
                service(snapshotService, "ApplySnapshot", [.reference("Snapshot", settingsEPR(checkpoint.id))]))
            #expect(output.returnValue == 32775)
            #expect(output.job == nil)
        }
    }

    @Test func serviceWithoutItsSelectorIsRefused() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            let request = InvokeRequest(
                resourceURI: snapshotService, method: "CreateSnapshot", selectors: [],
                parameters: [.reference("AffectedSystem", vmEPR(stoppedVM))])
            await #expect(throws: WSManError.self) { try await harness.client.invoke(request) }
        }
    }

    @Test func propertiesAreAlphabeticalWithNilsAndTheHostLanguage() async throws {
        let harness = try await SimulatorHarness.start { $0.language = "ja-JP" }
        try await using(harness) { harness in
            let get = GetRequest(
                resourceURI: vmResource,
                selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", stoppedVM)])
            let answer = try await harness.transport.send(
                try get.envelope(to: harness.fixture.url, messageID: "uuid:fixed-1").serializedBytes(),
                action: Action.get)
            let document = try XMLDocument.parse(answer.body)
            #expect(document.root?.attribute("lang", namespace: NS.xml.uri) == "ja-JP")
            #expect(document.soapHeader()?.child("RelatesTo", namespace: NS.addressing.uri)?.text == "uuid:fixed-1")
            let instance = try #require(try document.soapBody().children.first)
            let names = instance.children.map(\.localName)
            #expect(names == names.sorted())
            #expect(
                instance.child("ProcessID", namespace: vmResource)?.attribute("nil", namespace: NS.xsi.uri) == "true")
            #expect(instance.attribute("type", namespace: NS.xsi.uri) == "p:Msvm_ComputerSystem_Type")
            #expect(
                instance.child("InstallDate", namespace: vmResource)?.child("Datetime", namespace: NS.cim.uri) != nil)
        }
    }

    @Test func credentialsAreRequired() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            var settings = harness.transport.configuration
            settings.password = "wrong"
            let error = await #expect(throws: WSManError.self) {
                try await WSManClient(transport: try CurlTransport(configuration: settings)).identify()
            }
            #expect(error?.code == .unauthorized)
        }
    }

    @Test func quotedNamesMatchExactlyAndInjectionIsAnInvalidQuery() async throws {
        var host = SimulatedHost.defaultInventory()
        host.addVM(name: #"it's\a "vm""#, state: 3, disks: [(#"D:\VMs\odd.vhdx"#, 1 << 30)])
        let harness = try await SimulatorHarness.start(host: host)
        try await using(harness) { harness in
            let found = try await harness.client.enumerate(
                EnumerateRequest(
                    wql: WQL.select(from: "Msvm_ComputerSystem", where: [("ElementName", #"it's\a "vm""#)])))
            #expect(found.map { $0.string("ElementName") } == [#"it's\a "vm""#])
            let widened = EnumerateRequest(wql: "SELECT * FROM Msvm_ComputerSystem WHERE ElementName = 'x' OR '1'='1'")
            let error = await #expect(throws: WSManError.self) { try await harness.client.enumerate(widened) }
            #expect(error?.fault?.subcode == "CannotProcessFilter")
        }
    }

    @Test func hostileBodiesGetFaultsNotCrashes() async throws {
        let harness = try await SimulatorHarness.start()
        try await using(harness) { harness in
            for body in [
                "", "garbage", "<a>", "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
                #"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#,
            ] {
                let answer = try await harness.raw(body)
                #expect(answer.status >= 400)
            }
            _ = try await harness.client.identify()
        }
    }
}
