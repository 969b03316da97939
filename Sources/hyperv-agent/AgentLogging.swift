import AgentConfig
import AgentServer
import Foundation
import Logging

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
        LoggingSystem.bootstrap { label in AgentLogHandler(label: label, level: level, format: format, secrets: secrets)
        }
    }

    /// The agent's logger at the configured level.
    static func logger(_ configuration: AgentConfiguration) -> Logger {
        var logger = Logger(label: "hyperv-agent")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }
}
