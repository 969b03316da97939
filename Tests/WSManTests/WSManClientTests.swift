import Synchronization
import Testing
import WSMan
import XMLSupport

/// An in-memory transport that answers from a closure and records every request.
/// What a test needs to remember of a request (IncomingRequest holds a non-Sendable document).
struct SeenRequest: Sendable {
    var action: String
    var enumerationContext: String?
}

final class ScriptedTransport: WSManTransport {
    let endpoint = "https://hv.test:5986/wsman"
    let requests = Mutex<[SeenRequest]>([])
    let answer: @Sendable (IncomingRequest, Int) throws -> WSManHTTPResponse

    init(answer: @escaping @Sendable (IncomingRequest, Int) throws -> WSManHTTPResponse) {
        self.answer = answer
    }

    func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse {
        let request = try IncomingRequest.read(envelope)
        let seen = SeenRequest(action: request.action, enumerationContext: request.enumerationContext)
        let index = requests.withLock { list in
            list.append(seen)
            return list.count - 1
        }
        return try answer(request, index)
    }

    var actions: [String] { requests.withLock { $0.map(\.action) } }
}

func soap(_ body: String) -> WSManHTTPResponse {
    let text =
        #"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Body>"#
        + body + "</s:Body></s:Envelope>"
    return WSManHTTPResponse(status: 200, contentType: "application/soap+xml;charset=UTF-8", body: Array(text.utf8))
}

func vmItem(_ name: String) -> String {
    #"<p:Msvm_ComputerSystem xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ComputerSystem"><p:ElementName>"#
        + name + "</p:ElementName></p:Msvm_ComputerSystem>"
}

@Suite struct WSManClientTests {
    @Test func enumeratePullsWithTheLatestContextUntilEndOfSequence() async throws {
        let transport = ScriptedTransport { request, index in
            switch index {
            case 0:
                #expect(request.optimizeEnumeration)
                return soap(
                    "<n:EnumerateResponse><n:EnumerationContext>ctx-1</n:EnumerationContext><w:Items>\(vmItem("a"))</w:Items></n:EnumerateResponse>"
                )
            case 1:
                #expect(request.enumerationContext == "ctx-1")
                return soap(
                    "<n:PullResponse><n:EnumerationContext>ctx-2</n:EnumerationContext><n:Items>\(vmItem("b"))</n:Items></n:PullResponse>"
                )
            default:
                #expect(request.enumerationContext == "ctx-2")
                return soap("<n:PullResponse><n:Items>\(vmItem("c"))</n:Items><n:EndOfSequence/></n:PullResponse>")
            }
        }
        let client = WSManClient(transport: transport)
        let items = try await client.enumerate(EnumerateRequest(wql: "SELECT * FROM Msvm_ComputerSystem"))
        #expect(items.compactMap { $0.string("ElementName") } == ["a", "b", "c"])
        #expect(transport.actions == [Action.enumerate, Action.pull, Action.pull])
    }

    @Test func optimizedEnumerationWithEverythingInOnePageIsOneRoundTrip() async throws {
        let transport = ScriptedTransport { _, _ in
            soap(
                "<n:EnumerateResponse><w:Items>\(vmItem("a"))\(vmItem("b"))</w:Items><w:EndOfSequence/></n:EnumerateResponse>"
            )
        }
        let items = try await WSManClient(transport: transport).enumerate(
            EnumerateRequest(wql: "SELECT * FROM Msvm_ComputerSystem"))
        #expect(items.count == 2)
        #expect(transport.actions.count == 1)
    }

    @Test func aFaultMidEnumerationReleasesTheContext() async throws {
        let transport = ScriptedTransport { request, index in
            if index == 0 {
                return soap(
                    "<n:EnumerateResponse><n:EnumerationContext>ctx-9</n:EnumerationContext></n:EnumerateResponse>")
            }
            if request.action == Action.release { return soap("<n:ReleaseResponse/>") }
            var fault = soap(
                #"<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">boom</s:Text></s:Reason></s:Fault>"#
            )
            fault.status = 500
            return fault
        }
        let error = await #expect(throws: WSManError.self) {
            try await WSManClient(transport: transport).enumerate(
                EnumerateRequest(wql: "SELECT * FROM Msvm_ConcreteJob"))
        }
        #expect(error?.code == .fault)
        #expect(error?.operation == "Pull")
        #expect(error?.description.contains("Msvm_ConcreteJob") == true)
        #expect(transport.actions == [Action.enumerate, Action.pull, Action.release])
        #expect(transport.requests.withLock { $0.last?.enumerationContext } == "ctx-9")
    }

    @Test func transportErrorsNameTheOperation() async {
        let transport = ScriptedTransport { _, _ in throw TransportError(code: .connect, message: "connection refused")
        }
        let error = await #expect(throws: WSManError.self) {
            try await WSManClient(transport: transport).invoke(
                InvokeRequest(
                    resourceURI: ResourceURI.v2("Msvm_VirtualSystemSnapshotService"), method: "CreateSnapshot",
                    selectors: [], parameters: []))
        }
        #expect(error?.code == .transport)
        #expect(error?.transport?.code == .connect)
        #expect(
            error?.description
                == "WS-Man Invoke CreateSnapshot on Msvm_VirtualSystemSnapshotService failed: connect: connection refused"
        )
    }

    @Test func invokeReadsReturnValueAndJob() async throws {
        let service = ResourceURI.v2("Msvm_VirtualSystemSnapshotService")
        let transport = ScriptedTransport { request, _ in
            #expect(request.invokeMethod == "CreateSnapshot")
            return soap(
                #"<p:CreateSnapshot_OUTPUT xmlns:p="\#(service)" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><p:Job><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address><a:ReferenceParameters><w:ResourceURI>\#(ResourceURI.v2("Msvm_ConcreteJob"))</w:ResourceURI><w:SelectorSet><w:Selector Name="InstanceID">JOB-1</w:Selector></w:SelectorSet></a:ReferenceParameters></p:Job><p:ReturnValue>4096</p:ReturnValue></p:CreateSnapshot_OUTPUT>"#
            )
        }
        let output = try await WSManClient(transport: transport).invoke(
            InvokeRequest(resourceURI: service, method: "CreateSnapshot", selectors: [], parameters: []))
        #expect(output.returnValue == 4096)
        #expect(output.job?.selector("InstanceID") == "JOB-1")
    }
}
