import CloudStack
import Foundation
import Testing
import WSMan
import WinRMFixture
import XMLSupport

/// A host that implements only what the fixture contract requires: no `GetVirtualHardDiskState`, and a fault for
/// `ASSOCIATORS OF` a job. The engine must still create, name, revert and delete correctly.
struct MinimalHost: WSManResponder {
    let base: HyperVSimulator

    func respond(to request: [UInt8]) async -> FixtureResponse {
        if let incoming = try? IncomingRequest.read(request) {
            let refuse =
                incoming.invokeMethod == "GetVirtualHardDiskState"
                || (incoming.filter?.text.contains("ASSOCIATORS OF {Msvm_ConcreteJob") ?? false)
            if refuse {
                let body = ResponseEnvelope().fault(
                    code: "Sender", subcode: NS.wsman, subcodeName: "CannotProcessFilter", reason: "not supported here",
                    wsmanCode: 2_150_858_815, relatesTo: incoming.messageID)
                return FixtureResponse(status: 500, body: body)
            }
        }
        return await base.respond(to: request)
    }
}

@Suite struct MinimalHostTests {
    @Test func commandsWorkWithoutJobAssociationsOrDiskState() async throws {
        let harness = EngineHarness.make(transport: { InMemoryTransport(responder: MinimalHost(base: $0)) })
        let created = await harness.create(Commands.create(vm: "i-2-18-VM", "minimal"))
        #expect(created.result, "\(created.details)")
        let host = await harness.simulator.host
        let checkpoint = try #require(host.checkpoints.first { $0.name == "minimal" })
        #expect(host.vm(id: stoppedVMID)?.currentCheckpointID == checkpoint.id)
        // Paths and chains are still right; only the sizes the host cannot report are missing.
        #expect(created.volumes.allSatisfy { $0["path"]?.stringValue?.hasSuffix(".avhdx") == true })
        #expect(created.volumes.first?.chainInfo?["checkpointId"]?.stringValue == checkpoint.id)
        #expect(created.volumes.allSatisfy { $0["size"]?.int64Value == 0 })
        #expect(await harness.revert(Commands.revert(vm: "i-2-18-VM", "minimal")).result)
        #expect(await harness.delete(Commands.delete(vm: "i-2-18-VM", "minimal")).result)
    }
}
