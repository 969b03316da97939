import AgentConfig
import AgentServer
import ArgumentParser
import CloudStackExtension
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `hyperv-agent extension ACTION PAYLOAD_FILE [WAIT]`: the entry point of CloudStack 4.21+'s HyperV extension
/// (DESIGN §11). Snapshot and status actions run on the checkpoint service; every other action is handed to
/// `extension.fallback` (the stock `hyperv.py`) with the same arguments.
///
/// The management server merges stderr into stdout, reads the pipe after the process exits and kills it at `WAIT`:
/// so exactly one JSON object goes to stdout, nothing to stderr (logs go to `log.file`, by default
/// `<agent.state_dir>/extension.log`), and an answer is printed before `WAIT` whatever happens.
struct ExtensionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extension",
        abstract: "CloudStack extension entry point: ACTION PAYLOAD_FILE [WAIT] [--config FILE].",
        discussion: """
            Actions: \(ExtensionAction.allCases.map(\.rawValue).joined(separator: ", ")) (any case); others run \
            extension.fallback. Configuration: --config, else $HYPERV_AGENT_CONFIG, else \(ConfigOptions.defaultPath) \
            if it exists. Prints one JSON object; exit 0 success, 1 failure.
            """)

    @Argument(parsing: .captureForPassthrough, help: "ACTION PAYLOAD_FILE [WAIT] [--config FILE]")
    var arguments: [String] = []

    func run() async throws {
        let started = ContinuousClock.now
        let output: ExtensionOutput
        do {
            output = try await answer(started: started)
        } catch {
            output = .failure(error)
        }
        Self.emit(output)
    }

    /// Set by the first answer printed: the watchdog and the action may finish at the same instant.
    static let answered = Atomic<Bool>(false)

    /// Prints the answer and ends the process with its status (no other output ever follows).
    static func emit(_ output: ExtensionOutput) -> Never {
        guard answered.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else {
            // The other answer is being printed and the process is exiting with it.
            while true { pause() }
        }
        let (text, status) = output.rendered()
        FileHandle.standardOutput.write(Data(text.utf8))
        Glibc.exit(status)
    }

    func answer(started: ContinuousClock.Instant) async throws(ExtensionError) -> ExtensionOutput {
        let invocation = try ExtensionInvocation(arguments: arguments)
        let configuration = try Self.loadConfiguration(invocation.configPath)
        guard let action = ExtensionAction(argument: invocation.action) else {
            try Self.runFallback(configuration.extensionFallback, invocation)
        }
        let payload = try Self.readPayload(invocation.payloadPath)
        let deadline = ExtensionDeadline(waitSeconds: invocation.wait)
        let runner = try Self.runner(configuration, payload: payload, deadline: deadline)
        guard let watchdog = deadline.watchdog else { return await runner.run(action, payload: payload) }
        // Answer at the watchdog whatever is still running; the journal keeps what a job left to adopt.
        Task.detached {
            try? await Task.sleep(until: started + watchdog, clock: .continuous)
            runner.logger.error(
                "WAIT is running out; answering now", metadata: ["extension.action": "\(action.rawValue)"])
            Self.emit(
                .failure(
                    ExtensionError(
                        .timedOut,
                        "\(action.rawValue) on VM \(payload.vmName ?? "?") did not finish within WAIT = \(invocation.wait ?? 0) s; work left running on the host is journaled and the next run of the same action adopts it — register the custom action with a longer timeout (Hyper-V checkpoint jobs take seconds to minutes)"
                    )))
        }
        return await runner.run(action, payload: payload)
    }

    /// `--config`, else `$HYPERV_AGENT_CONFIG`, else the default file if it exists, else the defaults.
    static func loadConfiguration(_ explicit: String?) throws(ExtensionError) -> AgentConfiguration {
        let environment = ProcessInfo.processInfo.environment["HYPERV_AGENT_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            return try ConfigOptions.read(explicit ?? environment ?? ConfigOptions.installedPath)
        } catch {
            throw ExtensionError(.configuration, error.description)
        }
    }

    static func readPayload(_ path: String) throws(ExtensionError) -> ExtensionPayload {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ExtensionError(.invalidPayload, "cannot read the payload file \(path)")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: ExtensionPayload.maxBytes + 1) ?? Data() } catch {
            throw ExtensionError(.invalidPayload, "cannot read the payload file \(path): \(error)")
        }
        return try ExtensionPayload(json: Array(data))
    }

    /// The configuration with the payload's host, account and TLS choice (payload values win), and the service
    /// over it with the time budget of `WAIT`.
    static func runner(_ base: AgentConfiguration, payload: ExtensionPayload, deadline: ExtensionDeadline)
        throws(ExtensionError) -> ExtensionRunner
    {
        var configuration = base
        configuration.winrmURL = try payload.host.endpoint()
        if let username = payload.host.username { configuration.winrmUsername = username }
        if let verify = payload.host.verifyTLS { configuration.winrmVerifyTLS = verify }
        let timeout = ExtensionDeadline.tighter(
            deadline.operationTimeout, configuration.hypervJobTimeoutSeconds.map { .seconds($0) })
        if let budget = deadline.operationTimeout {
            configuration.winrmTimeoutSeconds = max(
                1, min(configuration.winrmTimeoutSeconds, Int(budget.components.seconds)))
        }
        configuration.hypervJobTimeoutSeconds = nil  // the request's timeout below carries it
        configuration.agentStateDir = usableStateDirectory(
            configuration.agentStateDir, explicit: base.agentStateDir != AgentConfiguration().agentStateDir)
        let logPath = (configuration.agentStateDir as NSString).appendingPathComponent("extension.log")
        let runtime: AgentRuntime
        do {
            runtime = try AgentRuntime(
                configuration: configuration, password: payload.host.password,
                logSink: LogSink.file(logPath) ?? .discard)
        } catch {
            throw ExtensionError(.configuration, "\(error)")
        }
        return ExtensionRunner(
            context: ExtensionContext(service: runtime.service(), timeout: timeout), logger: runtime.logger)
    }

    /// The state directory to use. An explicitly configured one is used as it is (a problem with it is the
    /// operator's to fix, and is reported). The default `/var/lib/hyperv-agent` is often not writable by the
    /// management server's user `cloud` when no `extension.conf` was installed: then a private directory
    /// `/tmp/hyperv-agent-<uid>` (mode 0700, owned by this user) keeps the journal and the locks working.
    static func usableStateDirectory(_ configured: String, explicit: Bool) -> String {
        let manager = FileManager.default
        if explicit || manager.isWritableFile(atPath: configured)
            || (!manager.fileExists(atPath: configured)
                && (try? manager.createDirectory(
                    atPath: configured, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]))
                    != nil)
        {
            return configured
        }
        let fallback = "/tmp/hyperv-agent-\(getuid())"
        try? manager.createDirectory(
            atPath: fallback, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var info = stat()
        guard stat(fallback, &info) == 0, info.st_uid == getuid(), info.st_mode & 0o077 == 0 else { return configured }
        return fallback
    }

    /// Replaces this process with `extension.fallback`, same arguments (without `--config`): its output and exit
    /// status are the answer. Returns only by throwing.
    static func runFallback(_ fallback: String?, _ invocation: ExtensionInvocation) throws(ExtensionError) -> Never {
        guard let fallback else {
            throw ExtensionError(
                .unsupportedAction,
                "action \(invocation.action) is not one hyperv-agent handles (\(ExtensionAction.allCases.map(\.rawValue).joined(separator: ", "))) and extension.fallback is not set; set it to the stock script, e.g. extension.fallback = /usr/share/cloudstack-management/extensions/HyperV/hyperv.py"
            )
        }
        let argv = [fallback] + invocation.forwarded
        var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(fallback, &pointers)
        let reason = String(cString: strerror(errno))
        throw ExtensionError(
            .unsupportedAction,
            "cannot run extension.fallback \(fallback) for action \(invocation.action): \(reason); it must be an executable file"
        )
    }
}
