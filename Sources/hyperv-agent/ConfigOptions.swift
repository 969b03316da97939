import AgentConfig
import ArgumentParser
import Foundation

/// Options every subcommand that talks to Hyper-V shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (key = value). Default: /etc/hyperv-agent/agent.conf if it exists.")
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override one configuration key (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(
        name: .long, help: "Record every WinRM exchange as a scrubbed transcript into this folder (winrm.record_dir).")
    var record: String?

    static let defaultPath = "/etc/hyperv-agent/agent.conf"

    /// Reads and parses the configuration; exits with status 2 and a clear message on any problem.
    func load() throws(UsageFailure) -> AgentConfiguration {
        var overrides = self.overrides
        if let record { overrides.append("winrm.record_dir=\(record)") }
        return try Self.read(config ?? Self.installedPath, overrides: overrides)
    }

    /// The default file when it exists.
    static var installedPath: String? { FileManager.default.fileExists(atPath: defaultPath) ? defaultPath : nil }

    /// Parses the file at `path` (no file: the defaults) with `overrides`; a usage failure names the problem.
    static func read(_ path: String?, overrides: [String] = []) throws(UsageFailure) -> AgentConfiguration {
        var text = ""
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw UsageFailure("cannot read the configuration file \(path)")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        do {
            return try ConfigParser.parse(text, source: path ?? "configuration", overrides: overrides)
        } catch {
            throw UsageFailure(error.description)
        }
    }
}

/// A usage or configuration error: printed, exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// A failure of the operation itself: printed, exit status 1.
struct OperationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

extension AsyncParsableCommand {
    /// Runs `body`, mapping failures to the documented exit statuses with a one-line message on stderr.
    func exiting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as UsageFailure {
            FileHandle.standardError.write(Data("hyperv-agent: \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as OperationFailure {
            FileHandle.standardError.write(Data("hyperv-agent: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `--json` output of every subcommand: pretty-printed, keys sorted.
func prettyJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
