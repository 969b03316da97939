import ArgumentParser
import Foundation
import Logging
import WinRMFixture

@main
struct WinRMFixtureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "winrm-fixture",
        abstract: "A WinRM server for tests: replays recorded exchanges or simulates a Hyper-V host.",
        subcommands: [Simulate.self, Replay.self, LegacyAgentCommand.self])
}

struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (port 0 picks a free port; the URL is printed first).")
    var listen: String = "127.0.0.1:0"
    @Option(help: "Basic-auth user name every request must carry.")
    var user: String = "administrator"
    @Option(help: "Basic-auth password (or the environment variable WINRM_FIXTURE_PASSWORD).")
    var password: String?
    @Option(help: "PEM certificate chain: serve HTTPS instead of HTTP.")
    var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.")
    var tlsKey: String?
    @Option(help: "Negotiate with NTLM: a gss-ntlmssp users file (DOMAIN:user:password lines).")
    var ntlmUsers: String?
    @Option(help: "Negotiate with Kerberos: the service keytab (HTTP/host@REALM).")
    var keytab: String?
    @Flag(help: "AllowUnencrypted=false, a Windows host's default: over http only sealed messages pass (Basic refused).")
    var requireEncryption = false
    @Flag(help: "CbtHardeningLevel=Strict (with --tls-cert): Negotiate must carry the certificate's channel bindings.")
    var requireChannelBinding = false
    @Option(help: "WWW-Authenticate schemes a 401 offers, comma-separated (default: Negotiate,Basic). Without Basic, Basic is refused.")
    var offer: String?
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "warning"

    func configuration() throws -> FixtureServerConfiguration {
        var configuration = FixtureServerConfiguration()
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        configuration.host = String(listen[..<colon])
        configuration.port = port
        configuration.username = user
        configuration.password =
            password ?? ProcessInfo.processInfo.environment["WINRM_FIXTURE_PASSWORD"] ?? "fixture-password"
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        configuration.tlsCertificatePath = tlsCert
        configuration.tlsKeyPath = tlsKey
        if ntlmUsers != nil || keytab != nil {
            configuration.negotiate = .init(
                keytab: keytab, ntlmUsersFile: ntlmUsers, requireEncryption: requireEncryption,
                requireChannelBinding: requireChannelBinding)
        } else if requireEncryption || requireChannelBinding {
            throw ValidationError("--require-encryption and --require-channel-binding need Negotiate: give --ntlm-users or --keytab")
        }
        if let offer {
            configuration.offeredAuthSchemes = offer.split(separator: ",").map {
                let scheme = $0.trimmingCharacters(in: .whitespaces)
                return scheme.lowercased() == "basic" ? "Basic realm=\"WSMAN\"" : scheme
            }
        }
        return configuration
    }

    var logger: Logger {
        var logger = Logger(label: "winrm-fixture")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        return logger
    }
}

/// Returns at the first SIGINT or SIGTERM.
func untilTerminated() async {
    let signals = AsyncStream<Int32> { continuation in
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            nonisolated(unsafe) let keep = source
            continuation.onTermination = { _ in keep.cancel() }
        }
    }
    for await _ in signals { break }
}

/// Prints the URL as the first line of stdout, then serves until SIGINT/SIGTERM.
func serve(
    responder: any WSManResponder, inspector: (any FixtureInspector)?, options: ServerOptions, faults: FaultInjector
) async throws {
    let fixture = try await FixtureServer.start(
        responder: responder, configuration: try options.configuration(), faults: faults, inspector: inspector,
        logger: options.logger)
    // Unbuffered: scripts read this line while the fixture keeps running.
    FileHandle.standardOutput.write(Data((fixture.url + "\n").utf8))
    await untilTerminated()
    await fixture.stop()
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate a Hyper-V host (VMs, checkpoints, disk chains, jobs).")

    @OptionGroup var server: ServerOptions
    @Option(help: "JSON state to start from (see GET /fixture/state); default: two VMs, one with a checkpoint tree.")
    var state: String?
    @Option(help: "Milliseconds every checkpoint and power job runs before completing.")
    var jobDelayMs: Int = 0
    @Option(help: "Milliseconds every ModifySystemSettings job runs (0: settings change at once, no job).")
    var settingsDelayMs: Int = 0
    @Option(help: "Milliseconds every request costs on the wire (a real host: tens of ms). See POST /fixture/cost.")
    var latencyMs: Int = 0
    @Option(help: "Milliseconds a disk merge runs after a checkpoint is deleted.")
    var mergeDelayMs: Int = 0
    @Option(help: "xml:lang of responses (a real Japanese host sends ja-JP).")
    var language: String = "en-US"

    func run() async throws {
        var host = SimulatedHost.defaultInventory()
        if let state {
            do {
                host = try JSONDecoder().decode(SimulatedHost.self, from: Data(contentsOf: URL(fileURLWithPath: state)))
            } catch {
                throw ValidationError("cannot load --state \(state): \(error)")
            }
        }
        var configuration = HyperVSimulator.Configuration()
        configuration.jobDelayMilliseconds = jobDelayMs
        configuration.mergeDelayMilliseconds = mergeDelayMs
        configuration.settingsDelayMilliseconds = settingsDelayMs
        configuration.latencyMilliseconds = latencyMs
        configuration.language = language
        let faults = FaultInjector()
        let simulator = HyperVSimulator(host: host, configuration: configuration, faults: faults)
        try await serve(responder: simulator, inspector: simulator, options: server, faults: faults)
    }
}

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay recorded WinRM exchanges (one scenario per folder).")

    @OptionGroup var server: ServerOptions
    @Option(help: "A transcript folder, or a folder of transcript folders.")
    var transcripts: String

    func run() async throws {
        let replayer: TranscriptReplayer
        do {
            replayer = try TranscriptReplayer(directory: transcripts, logger: server.logger)
        } catch {
            throw ValidationError("cannot load transcripts from \(transcripts): \(error)")
        }
        try await serve(responder: replayer, inspector: nil, options: server, faults: FaultInjector())
    }
}

struct LegacyAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy-agent",
        abstract: "Play CloudStack's C# Hyper-V agent on loopback (the agent.upstream of hyperv-agent serve).",
        discussion:
            "StopCommand destroys the VM on the simulated host (files stay); StartCommand starts a running VM as is, else destroys an Off VM of that name and defines a fresh one without checkpoints. Prints its URL first.")

    @Option(help: "The simulator's WS-Man URL (winrm-fixture simulate), e.g. http://127.0.0.1:5985/wsman.")
    var host: String
    @Option(help: "Port to listen on, on 127.0.0.1 (0 picks a free port).")
    var port: Int = 0

    func run() async throws {
        let agent = try await LegacyAgent.start(host: host, port: port)
        FileHandle.standardOutput.write(Data((agent.url + "\n").utf8))
        await untilTerminated()
        await agent.stop()
    }
}
