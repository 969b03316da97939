import AgentConfig
import AgentServer
import ArgumentParser
import CloudStack
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve CloudStack's Hyper-V command channel (HTTPS, POST /api/HypervResource/<command>).",
        discussion:
            "Prints its base URL as the first line of stdout. SIGTERM/SIGINT: stop accepting, let running commands finish (up to 10 minutes), exit 0."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await exiting {
            let configuration = try options.load()
            let metrics = configuration.metricsListen == nil ? nil : AgentMetrics()
            let runtime = try AgentRuntime(configuration: configuration, metrics: metrics)
            let logger = runtime.logger
            var channel: ChannelConfiguration
            do { channel = try ChannelConfiguration(configuration) } catch { throw UsageFailure("\(error)") }
            if channel.tlsCertificatePath == nil {
                do {
                    let files = try SelfSignedCertificate.ensure(
                        in: configuration.agentStateDir, hostName: ProcessInfo.processInfo.hostName)
                    channel.tlsCertificatePath = files.certificate
                    channel.tlsKeyPath = files.key
                    logger.notice(
                        files.generated
                            ? "generated a self-signed channel certificate"
                            : "using the self-signed channel certificate",
                        metadata: ["path": "\(files.certificate)", "fingerprint": "\(files.fingerprint)"])
                } catch {
                    throw UsageFailure(
                        "no agent.tls_cert/agent.tls_key and cannot create a self-signed pair in \(configuration.agentStateDir): \(error)"
                    )
                }
            }
            let dispatcher = runtime.dispatcher()
            let app: any Service
            do {
                let settings = channel
                let lifecycle =
                    configuration.lifecyclePreserveCheckpoints
                    ? LifecycleInterceptor(service: dispatcher.service, settings: runtime.preservation) : nil
                app = try CommandChannel.application(
                    dispatcher: dispatcher, configuration: channel, lifecycle: lifecycle, logger: logger
                ) { server in
                    let port = server.localAddress?.port ?? settings.port
                    let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
                    FileHandle.standardOutput.write(Data("https://\(host):\(port)/api/HypervResource\n".utf8))
                    logger.notice(
                        "serving the CloudStack command channel",
                        metadata: [
                            "listen": "\(host):\(port)", "winrm.url": "\(runtime.transport.endpoint)",
                            "allowed_clients": "\(configuration.agentAllowedClients)",
                        ])
                }
            } catch {
                throw UsageFailure("cannot set up the channel: \(error)")
            }
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: app),
                // Runs once and ends; the group keeps serving (and waits for it at shutdown).
                .init(
                    service: JournalRecoveryService(service: dispatcher.service, logger: logger),
                    successTerminationBehavior: .ignore,
                    failureTerminationBehavior: .ignore),
            ]
            if configuration.lifecyclePreserveCheckpoints {
                // Failed exports are retried, stale copies dropped, every 5 minutes (and before each stop or start).
                services.append(
                    .init(
                        service: PreservationUpkeepService(
                            service: dispatcher.service, interval: .seconds(300), logger: logger),
                        successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
            }
            if let metrics, let listen = configuration.metricsListen.flatMap(HostPort.parse) {
                services.append(
                    .init(
                        service: MetricsEndpoint.application(
                            metrics: metrics, host: listen.host, port: listen.port, logger: logger)))
                logger.notice(
                    "serving Prometheus metrics",
                    metadata: ["listen": "\(listen.host):\(listen.port)", "path": "/metrics"])
            }
            var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
            groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(600)
            let group = ServiceGroup(configuration: groupConfiguration)
            do {
                try await group.run()
            } catch {
                throw OperationFailure("the channel stopped: \(error)")
            }
            logger.notice("stopped")
        }
    }
}
