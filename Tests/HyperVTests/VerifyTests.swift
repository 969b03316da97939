import Checkpoints
import Foundation
import HyperV
import Logging
import TestSupport
import Testing
import WSManCurl
import WinRMFixture

/// `checkpoints verify`: chains intact, checkpoints' disks present and in line, orphans listed (never deleted),
/// deep chains and merges reported.
@Suite struct VerifyTests {
    let vm = ServiceHarness.runningVM
    let vmID = ServiceHarness.runningVMID

    @Test func theDefaultVMIsHealthy() async throws {
        let harness = ServiceHarness.make()
        let report = try await harness.service.verify(vmName: vm, warnDepth: 8)
        #expect(report.healthy, "\(report.findings)")
        #expect(report.chains.count == 2)
        let host = await harness.host
        let disks = try #require(host.vm(id: vmID)?.disks)
        #expect(report.chains.map(\.files) == disks.map { host.chain(from: $0.activePath) })
        #expect(report.chains.allSatisfy { $0.depth == 2 })
    }

    @Test func aMissingParentIsABrokenChain() async throws {
        let harness = ServiceHarness.make()
        let host = await harness.host
        let active = try #require(host.vm(id: vmID)?.disks.first?.activePath)
        let middle = host.chain(from: active)[1]
        await harness.simulator.mutate { host in host.files.removeAll { $0.path == middle } }
        let report = try await harness.service.verify(vmName: vm, warnDepth: 8)
        #expect(!report.healthy)
        let broken = report.findings.filter { $0.kind == .brokenChain }
        #expect(broken.count == 1, "one finding for the one broken link: \(report.findings)")
        #expect(broken.first?.message.contains(middle) == true)
        #expect(report.findings.contains { $0.kind == .missingCheckpointFile && $0.path == middle })
    }

    @Test func anUnreferencedAvhdxOfTheVMIsAnOrphanAndIsKept() async throws {
        let harness = ServiceHarness.make()
        let host = await harness.host
        let base = try #require(host.vm(id: vmID)?.disks.first.map { host.chain(from: $0.activePath).last! })
        let orphan = base.replacingOccurrences(of: ".vhdx", with: "_0F0F0F0F-1111-2222-3333-444455556666.avhdx")
        let stranger = base.replacingOccurrences(
            of: "19ae8e67-cb2c-4ab4-901e-e0b864272b59", with: "ffffffff-other-vm-disk"
        )
        .replacingOccurrences(of: ".vhdx", with: "_ABCDEF00-1111-2222-3333-444455556666.avhdx")
        await harness.simulator.mutate { host in
            host.files.append(
                SimulatedHost.DiskFile(path: orphan, parentPath: base, fileSize: 4096, maxInternalSize: 1 << 30))
            host.files.append(
                SimulatedHost.DiskFile(path: stranger, parentPath: nil, fileSize: 4096, maxInternalSize: 1 << 30))
        }
        let report = try await harness.service.verify(vmName: vm, warnDepth: 8)
        let orphans = report.findings.filter { $0.kind == .orphan }
        #expect(
            orphans.map { $0.path?.lowercased() } == [orphan.lowercased()], "another VM's file is not ours: \(orphans)")
        #expect(await harness.host.file(path: orphan) != nil, "listed, never deleted")
    }

    @Test func aDeepChainIsReportedAboveTheWarningDepth() async throws {
        let harness = ServiceHarness.make()
        for index in 0..<4 {
            _ = try await harness.service.take(
                TakeRequest(vmName: vm, checkpointName: "d\(index)", consistency: .withMemory))
        }
        let strict = try await harness.service.verify(vmName: vm, warnDepth: 4)
        #expect(strict.findings.filter { $0.kind == .deepChain }.count == 2, "both disks: 6 differencing files > 4")
        #expect(!strict.healthy)
        let relaxed = try await harness.service.verify(vmName: vm, warnDepth: 6)
        #expect(relaxed.healthy, "\(relaxed.findings)")
    }

    @Test func aMergeInProgressIsANoticeNotAProblem() async throws {
        let harness = ServiceHarness.make()
        let now = harness.clock.epochSeconds()
        let id = vmID
        await harness.simulator.mutate { host in host.vms[host.vms.firstIndex { $0.id == id }!].mergingUntil = now + 60
        }
        let report = try await harness.service.verify(vmName: vm, warnDepth: 8)
        #expect(report.findings.map(\.kind) == [.mergeInProgress])
        #expect(report.healthy)
    }

    /// The command as an operator runs it: a clear report, exit 0 healthy, 1 with problems (the fault put in place
    /// through the fixture's `POST /fixture/state`, as from outside).
    @Test func theCommandReportsAndExitsByHealth() async throws {
        let agent = ChildProcess.product("hyperv-agent")
        try #require(FileManager.default.isExecutableFile(atPath: agent), "build the hyperv-agent product first")
        let simulator = HyperVSimulator()
        let fixture = try await FixtureServer.startQuiet(
            simulator, user: "verify-operator", password: "verify-pw-1", inspector: simulator)
        try await using(fixture) { fixture in
            let work = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let conf = work.appendingPathComponent("agent.conf").path
            try """
            winrm.url = \(fixture.url)
            winrm.auth = basic
            winrm.username = verify-operator
            winrm.allow_unencrypted = true
            agent.state_dir = \(work.path)
            log.level = critical
            """.write(toFile: conf, atomically: true, encoding: .utf8)
            let environment = ["HYPERV_AGENT_WINRM_PASSWORD": "verify-pw-1"]
            let healthy = try await ChildProcess.run(
                agent, ["checkpoints", "verify", vm, "--config", conf], environment: environment)
            #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
            #expect(healthy.stdout.hasSuffix("healthy\n"))

            var host = await simulator.host
            let active = try #require(host.vm(id: vmID)?.disks.first?.activePath)
            let middle = host.chain(from: active)[1]
            host.files.removeAll { $0.path == middle }
            let base = fixture.url.replacingOccurrences(of: "/wsman", with: "")
            let state = work.appendingPathComponent("state.json")
            try JSONEncoder().encode(host).write(to: state)
            let posted = try await ChildProcess.run(
                "/usr/bin/curl",
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@\(state.path)",
                    base + "/fixture/state",
                ])
            #expect(posted.stdout == "204")
            let broken = try await ChildProcess.run(
                agent, ["checkpoints", "verify", vm, "--config", conf], environment: environment)
            #expect(broken.status == 1)
            #expect(
                broken.stdout.contains("PROBLEM brokenChain:") && broken.stdout.contains("problem(s)"),
                "\(broken.stdout)")
            let json = try await ChildProcess.run(
                agent, ["checkpoints", "verify", vm, "--json", "--config", conf], environment: environment)
            #expect(json.status == 1 && json.stdout.contains(#""kind" : "brokenChain""#), "\(json.stdout)")
            let usage = try await ChildProcess.run(
                agent, ["checkpoints", "verify", "--config", conf], environment: environment)
            #expect(usage.status == 2 || usage.status == 64)
        }
    }
}
