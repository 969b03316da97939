import AgentConfig
import AgentServer
import Checkpoints
import CloudStack
import Foundation
import HyperV
import Logging
import WSMan
import WSManCurl

/// The one place configuration turns into the running parts every subcommand uses: logging, the WinRM transport
/// and client, the checkpoint service and the command dispatcher.
struct AgentRuntime {
    let configuration: AgentConfiguration
    let logger: Logger
    let transport: any WSManTransport
    /// The libcurl transport under any recording/metrics wrappers (what it negotiated, for `probe`).
    let curl: CurlTransport
    let client: WSManClient
    let metrics: AgentMetrics?

    /// `password`: given by the caller (the extension's payload) instead of `HYPERV_AGENT_WINRM_PASSWORD` /
    /// `winrm.password_file`. `logSink`: where logs go unless `log.file` says otherwise.
    init(
        configuration: AgentConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment,
        metrics: AgentMetrics? = nil, password given: String? = nil, logSink: LogSink = .standardError
    ) throws {
        self.metrics = metrics
        self.configuration = configuration
        let url: String
        let password: String?
        do {
            url = try configuration.requireWinRMURL()
            if let given {
                password = given
            } else {
                password = try PasswordSource.resolve(configuration, environment: environment)
            }
        } catch {
            throw UsageFailure(error.description)
        }
        AgentLogging.bootstrap(configuration, secrets: [password].compactMap { $0 }, defaultSink: logSink)
        logger = AgentLogging.logger(configuration)
        let settings = CurlTransportConfiguration(configuration, url: url, password: password)
        let curl: CurlTransport
        do {
            curl = try CurlTransport(configuration: settings, logger: logger)
        } catch {
            throw UsageFailure(error.message)
        }
        self.curl = curl
        var transport: any WSManTransport = curl
        if let directory = configuration.winrmRecordDir {
            let host = URL(string: url)?.host
            transport = try RecordingTransport(
                base: transport, directory: directory,
                scrubber: Scrubber(host: host, username: settings.username, password: password))
        }
        if let metrics { transport = MetricsTransport(base: transport, metrics: metrics) }
        self.transport = transport
        self.client = WSManClient(transport: transport)
    }

    /// The checkpoint service over this runtime's WinRM client (job waits reported to the metrics when enabled).
    func service() -> CheckpointService {
        var settings = CheckpointService.Settings(stateDirectory: configuration.agentStateDir)
        settings.quiesceFallback = configuration.hypervQuiesceFallback == .fail ? .fail : .crashConsistent
        settings.jobTimeout = configuration.hypervJobTimeoutSeconds.map { .seconds($0) }
        var service = CheckpointService(client: client, settings: settings, logger: logger)
        if let metrics {
            service.hyperV.onJobWaited = { method, waited in
                metrics.jobWaited(
                    method: method,
                    seconds: Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18)
            }
        }
        return service
    }

    /// The `lifecycle.*` keys.
    var preservation: CheckpointService.PreservationSettings {
        var settings = CheckpointService.PreservationSettings()
        settings.enabled = configuration.lifecyclePreserveCheckpoints
        settings.shutdownTimeout = .seconds(configuration.lifecycleShutdownTimeoutSeconds)
        settings.exportRoot = configuration.lifecycleExportRoot
        return settings
    }

    /// The CloudStack dispatcher over ``service()``, reporting to the metrics when enabled.
    func dispatcher() -> CommandDispatcher {
        var dispatcher = CommandDispatcher(service: service())
        if let metrics {
            dispatcher.onStarted = { _ in metrics.commandStarted() }
            dispatcher.onFinished = { commandClass, result, seconds in
                metrics.commandFinished(commandClass: commandClass, result: result, seconds: seconds)
            }
        }
        return dispatcher
    }
}

extension CurlTransportConfiguration {
    /// The `winrm.*` keys as the libcurl transport takes them.
    init(_ configuration: AgentConfiguration, url: String, password: String?) {
        self.init(url: url)
        authentication = Authentication(rawValue: configuration.winrmAuth.rawValue) ?? .negotiate
        username = configuration.winrmUsername
        self.password = password
        caFile = configuration.winrmCAFile
        verifyTLS = configuration.winrmVerifyTLS
        allowUnencrypted = configuration.winrmAllowUnencrypted
        messageEncryption = MessageEncryption(rawValue: configuration.winrmMessageEncryption.rawValue) ?? .auto
        if let path = configuration.winrmKerberosKeytab ?? configuration.winrmKerberosPrincipal.map({ _ in "" }) {
            kerberosKeytab = KerberosKeytab(principal: configuration.winrmKerberosPrincipal ?? "", path: path)
        }
        serviceHost = configuration.winrmServiceHost
        channelBinding = configuration.winrmChannelBinding == .auto
        timeoutSeconds = configuration.winrmTimeoutSeconds
        maxConnections = configuration.winrmMaxConnections
    }
}
