import AgentServer
import Checkpoints
import CloudStack
import Foundation
import Logging
import Testing
import WSMan
import WinRMFixture

@Suite struct AgentMetricsTests {
    @Test func commandsRoundTripsAndJobWaitsAreCounted() async throws {
        let metrics = AgentMetrics()
        let simulator = HyperVSimulator()
        var logger = Logger(label: "metrics-test")
        logger.logLevel = .critical
        var service = CheckpointService(
            client: WSManClient(
                transport: MetricsTransport(base: InMemoryTransport(responder: simulator), metrics: metrics)),
            settings: .init(
                stateDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString)")
                    .path),
            logger: logger)
        service.hyperV.onJobWaited = { method, waited in
            metrics.jobWaited(method: method, seconds: Double(waited.components.seconds))
        }
        var dispatcher = CommandDispatcher(service: service)
        dispatcher.onStarted = { _ in metrics.commandStarted() }
        dispatcher.onFinished = { metrics.commandFinished(commandClass: $0, result: $1, seconds: $2) }
        _ = await dispatcher.dispatch(
            commandClass: CommandClass.createVMSnapshot,
            body: Array(#"{"vmName":"i-2-18-VM","target":{"snapshotName":"m","type":"Disk"}}"#.utf8))
        _ = await dispatcher.dispatch(
            commandClass: CommandClass.deleteVMSnapshot,
            body: Array(#"{"vmName":"nope","target":{"snapshotName":"m","type":"Disk"}}"#.utf8))
        let text = metrics.render()
        #expect(text.contains(#"hyperv_agent_commands_total{command="CreateVMSnapshotCommand",result="true"} 1"#))
        #expect(text.contains(#"hyperv_agent_commands_total{command="DeleteVMSnapshotCommand",result="false"} 1"#))
        #expect(text.contains("hyperv_agent_commands_in_flight 0"))
        #expect(text.contains(#"hyperv_agent_command_duration_seconds_count{command="CreateVMSnapshotCommand"} 1"#))
        #expect(text.contains(#"hyperv_agent_job_wait_seconds_count{method="CreateSnapshot"} 1"#))
        #expect(text.contains(#"hyperv_agent_wsman_round_trips_total{action="CreateSnapshot"} 1"#))
        #expect(text.contains(#"hyperv_agent_wsman_round_trips_total{action="Enumerate"}"#))
        #expect(text.contains("# TYPE hyperv_agent_wsman_errors_total counter"))
    }
}
