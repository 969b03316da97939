import Foundation
import TestSupport
import Testing
import WSMan
import WinRMFixture

/// The real-host cost model: settings jobs, latency, and `POST /fixture/cost` at run time.
@Suite struct CostModelTests {
    @Test func settingsChangesBecomeJobsWhenTheyCostTime() async throws {
        let harness = try await SimulatorHarness.start { $0.settingsDelayMilliseconds = 100 }
        try await using(harness) { harness in
            let settings = CIMInstance(
                className: "Msvm_VirtualSystemSettingData",
                properties: [
                    .init("InstanceID", type: "string", .scalar("Microsoft:\(runningVM)")),
                    .init("UserSnapshotType", type: "uint16", .scalar("3")),
                ])
            let output = try await harness.client.invoke(
                service(managementService, "ModifySystemSettings", [.embedded("SystemSettings", settings)]))
            #expect(output.returnValue == 4096, "a settings job, as on real hosts")
            #expect(await harness.simulator.host.vm(id: runningVM)?.userSnapshotType == 5, "not applied before it ends")
            let done = try await harness.waitForJob(try #require(output.job))
            #expect(done.int("JobState") == 7)
            #expect(await harness.simulator.host.vm(id: runningVM)?.userSnapshotType == 3)
        }
    }

    @Test func theCostModelChangesAtRunTimeOverHTTP() async throws {
        let harness = try await SimulatorHarness.start { $0.jobDelayMilliseconds = 1000 }
        try await using(harness) { harness in
            let base = harness.fixture.url.replacingOccurrences(of: "/wsman", with: "")
            // curl (installed by make test) as the outside harness a tester would use.
            func post(_ body: String) async throws -> (Int, String) {
                let result = try await ChildProcess.run(
                    "/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "-X", "POST", "-d", body, base + "/fixture/cost"])
                let lines = result.stdout.split(separator: "\n")
                return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
            }
            let (status, body) = try await post(#"{"latency_ms":7,"settings_delay_ms":100}"#)
            #expect(status == 200, "\(body)")
            #expect(
                await harness.simulator.costModel
                    == CostModel(latencyMilliseconds: 7, jobDelayMilliseconds: 1000, settingsDelayMilliseconds: 100),
                "keys not given keep their value")
            #expect(try await post(#"{"latency":7}"#).0 == 400)
            #expect(try await post(#"{"latency_ms":-1}"#).0 == 400)
            #expect(try await post("not json").0 == 400)
        }
    }
}
