import AgentConfig
import AgentServer
import Foundation
import Logging

/// Installs the agent's log handler (text or JSON, secrets scrubbed) once per process: on stderr, or appended to
/// `log.file` when set.
enum AgentLogging {
    nonisolated(unsafe) private static var installed = false
    private static let lock = NSLock()

    /// `defaultSink`: where logs go when `log.file` is not set (the extension entry point must keep stderr clean).
    static func bootstrap(_ configuration: AgentConfiguration, secrets: [String], defaultSink: LogSink = .standardError)
    {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let format: AgentLogHandler.Format = configuration.logFormat == .json ? .json : .text
        let sink = configuration.logFile.map { LogSink.file($0) ?? defaultSink } ?? defaultSink
        LoggingSystem.bootstrap { label in
            AgentLogHandler(label: label, level: level, format: format, secrets: secrets, sink: sink)
        }
    }

    /// The agent's logger at the configured level.
    static func logger(_ configuration: AgentConfiguration) -> Logger {
        var logger = Logger(label: "hyperv-agent")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }
}
