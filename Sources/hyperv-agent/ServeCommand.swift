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
        discussion: "Prints its base URL as the first line of stdout. SIGTERM/SIGINT: stop accepting, let running commands finish (up to 10 minutes), exit 0.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await exiting {
            let configuration = try options.load()
            let metrics = configuration.metricsListen == nil ? nil : AgentMetrics()
            let runtime = try AgentRuntime(configuration: configuration, metrics: metrics)
            var logger = Logger(label: "hyperv-agent")
            logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
            guard let listen = HostPort.parse(configuration.agentListen) else { throw UsageFailure("agent.listen \(configuration.agentListen) is not HOST:PORT") }
            var channel = ChannelConfiguration()
            channel.host = listen.host
            channel.port = listen.port
            channel.allowedClients = configuration.agentAllowedClients.compactMap(CIDR.parse)
            channel.upstream = configuration.agentUpstream
            channel.maxRequestBytes = configuration.agentMaxRequestBytes
            if let certificate = configuration.agentTLSCert, let key = configuration.agentTLSKey {
                channel.tlsCertificatePath = certificate
                channel.tlsKeyPath = key
            } else {
                do {
                    let files = try SelfSignedCertificate.ensure(in: configuration.agentStateDir, hostName: ProcessInfo.processInfo.hostName)
                    channel.tlsCertificatePath = files.certificate
                    channel.tlsKeyPath = files.key
                    logger.notice(files.generated ? "generated a self-signed channel certificate" : "using the self-signed channel certificate", metadata: [
                        "path": "\(files.certificate)", "fingerprint": "\(files.fingerprint)",
                    ])
                } catch {
                    throw UsageFailure("no agent.tls_cert/agent.tls_key and cannot create a self-signed pair in \(configuration.agentStateDir): \(error)")
                }
            }
            let dispatcher = runtime.dispatcher()
            let engine = dispatcher.engine
            let app: any Service
            do {
                let settings = channel
                let log = logger
                app = try CommandChannel.application(dispatcher: dispatcher, configuration: channel, logger: logger) { server in
                    let channel = settings
                    let logger = log
                    let port = server.localAddress?.port ?? channel.port
                    let host = channel.host.contains(":") ? "[\(channel.host)]" : channel.host
                    FileHandle.standardOutput.write(Data("https://\(host):\(port)/api/HypervResource\n".utf8))
                    logger.notice("serving the CloudStack command channel", metadata: [
                        "listen": "\(host):\(port)", "winrm.url": "\(runtime.transport.endpoint)", "allowed_clients": "\(configuration.agentAllowedClients)",
                    ])
                    // Finish operations an earlier process left journaled; never blocks serving.
                    Task {
                        let recovered = await engine.recoverAll()
                        if recovered > 0 { logger.notice("recovered journaled operations", metadata: ["count": "\(recovered)"]) }
                    }
                }
            } catch {
                throw UsageFailure("cannot set up the channel: \(error)")
            }
            var services: [any Service] = [app]
            if let metrics, let listen = configuration.metricsListen.flatMap(HostPort.parse) {
                services.append(MetricsEndpoint.application(metrics: metrics, host: listen.host, port: listen.port, logger: logger))
                logger.notice("serving Prometheus metrics", metadata: ["listen": "\(listen.host):\(listen.port)", "path": "/metrics"])
            }
            var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
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

/// Installs the agent's log handler (text or JSON on stderr, secrets scrubbed) once per process.
enum AgentLogging {
    nonisolated(unsafe) private static var installed = false
    private static let lock = NSLock()

    static func bootstrap(_ configuration: AgentConfiguration, secrets: [String]) {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let format: AgentLogHandler.Format = configuration.logFormat == .json ? .json : .text
        LoggingSystem.bootstrap { label in AgentLogHandler(label: label, level: level, format: format, secrets: secrets) }
    }
}
