import Foundation
import Testing
import WinRMFixture

@Suite struct SimulatedHostStateTests {
    /// `--state FILE` and `GET /fixture/state` use the same JSON: what one writes the other loads.
    @Test func stateJSONRoundTrips() async throws {
        let simulator = HyperVSimulator()
        let json = await simulator.stateJSON()
        let decoded = try JSONDecoder().decode(SimulatedHost.self, from: Data(json))
        #expect(decoded == (await simulator.host))
        #expect(decoded.vms.map(\.name) == ["i-2-17-VM", "i-2-18-VM"])
        #expect(decoded.checkpoints.count == 2)
    }

    @Test func defaultInventoryIsConsistent() {
        let host = SimulatedHost.defaultInventory()
        for vm in host.vms {
            #expect(vm.disks.count == 2)
            for disk in vm.disks {
                let chain = host.chain(from: disk.activePath)
                #expect(chain.last.map { host.file(path: $0)?.parentPath == nil } == true)
            }
        }
        let running = host.vms[0]
        #expect(running.state == 2 && host.checkpoints(ofVM: running.id).count == 2)
        #expect(host.vms[1].state == 3 && host.checkpoints(ofVM: host.vms[1].id).isEmpty)
    }
}
