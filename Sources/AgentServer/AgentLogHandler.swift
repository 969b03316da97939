import Foundation
import Logging
import Synchronization

/// Logs to stderr (or a ``LogSink``) as text or one JSON object per line, with secrets scrubbed from messages and metadata.
public struct AgentLogHandler: LogHandler {
    public enum Format: Sendable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: Format
    let secrets: [String]
    let sink: LogSink

    public init(
        label: String, level: Logger.Level, format: Format, secrets: [String] = [], sink: LogSink = .standardError
    ) {
        self.label = label
        self.sink = sink
        self.logLevel = level
        self.format = format
        self.secrets = secrets.filter { $0.count >= 3 }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static let lock = Mutex(())

    func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets { result = result.replacingOccurrences(of: secret, with: "***") }
        if let range = result.range(of: "Authorization:", options: .caseInsensitive) {
            result = String(result[..<range.upperBound]) + " ***"
        }
        return result
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let time = Date().formatted(.iso8601)
        let line: String
        switch format {
        case .text:
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\(scrub($0.value.description))" }.joined(
                separator: " ")
            line =
                "\(time) \(event.level) \(label): \(scrub(event.message.description))\(fields.isEmpty ? "" : " " + fields)\n"
        case .json:
            var object: [String: String] = [
                "time": time, "level": "\(event.level)", "logger": label, "message": scrub(event.message.description),
            ]
            for (key, value) in all { object[key] = scrub(value.description) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        Self.lock.withLock { _ in sink.write(line) }
    }
}
