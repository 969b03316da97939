import AgentConfig
import AgentServer
import Checkpoints
import CloudStack
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TestSupport
import WSMan
import WSManCurl
import WinRMFixture

/// The channel on 127.0.0.1:0 over the simulator (in memory, or any transport), run in a ServiceGroup (so tests can
/// shut it down gracefully, as SIGTERM does). Agent and simulator share one ``ManualClock``.
struct ChannelHarness: AsyncStoppable {
    let url: String
    let simulator: HyperVSimulator
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let clock: ManualClock
    let stateDirectory: String

    static func start(
        configure: (inout ChannelConfiguration) -> Void = { _ in }, jobDelayMilliseconds: Int = 0,
        tls: SelfSignedCertificate.Files? = nil,
        clock: ManualClock = .autoAdvancing(), stateDirectory: String? = nil,
        simulator existing: HyperVSimulator? = nil,
        transport: (any WSManTransport)? = nil,
        lifecycle: CheckpointService.PreservationSettings? = nil
    ) async throws -> ChannelHarness {
        var simulatorConfiguration = HyperVSimulator.Configuration()
        simulatorConfiguration.jobDelayMilliseconds = jobDelayMilliseconds
        simulatorConfiguration.clock = clock.epochSeconds
        let simulator = existing ?? HyperVSimulator(configuration: simulatorConfiguration)
        var logger = Logger(label: "test-channel")
        logger.logLevel = .critical
        let directory =
            stateDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("channel-\(UUID().uuidString)").path
        let service = CheckpointService(
            client: WSManClient(transport: transport ?? InMemoryTransport(responder: simulator)),
            settings: .init(stateDirectory: directory), clock: clock.hostClock, logger: logger)
        var configuration = ChannelConfiguration()
        configuration.port = 0
        configuration.tlsCertificatePath = tls?.certificate
        configuration.tlsKeyPath = tls?.key
        configure(&configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try CommandChannel.application(
            dispatcher: CommandDispatcher(service: service), configuration: configuration,
            lifecycle: lifecycle.map { LifecycleInterceptor(service: service, settings: $0) }, logger: logger
        ) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var port = 0
        for await value in ports {
            port = value
            break
        }
        let scheme = tls == nil ? "http" : "https"
        return ChannelHarness(
            url: "\(scheme)://127.0.0.1:\(port)/api/HypervResource", simulator: simulator, group: group, task: task,
            clock: clock,
            stateDirectory: directory)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    func post(_ commandClass: String, _ body: [UInt8]) async throws -> CurlHTTPForwarder.Response {
        try await CurlHTTPForwarder(timeoutSeconds: 30).post(
            url: "\(url)/\(commandClass)", contentType: "application/json", body: body)
    }

    static func sample(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Bundle.module.resourceURL!.appendingPathComponent("Commands/\(name).json")))
    }
}

extension CurlHTTPForwarder.Response {
    var text: String { String(decoding: body, as: UTF8.self) }
    /// `(answer class, inner object)` of a channel answer.
    var answer: (String, JSONValue)? {
        guard case .array(let items)? = try? JSONParser.parse(body), case .object(let members)? = items.first,
            let first = members.first
        else { return nil }
        return (first.0, first.1)
    }
}
