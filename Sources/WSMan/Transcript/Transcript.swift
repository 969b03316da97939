import Foundation

/// A recorded WinRM conversation, one scenario per folder:
///
/// ```
/// <scenario>/index.txt           NNNN <TAB> HTTP status <TAB> summary (one line per exchange)
/// <scenario>/NNNN.request.xml    the envelope as sent (scrubbed)
/// <scenario>/NNNN.response.xml   the answer as received (scrubbed)
/// ```
///
/// Written by ``RecordingTransport`` (`hyperv-agent --record DIR`), served by `winrm-fixture replay`.
public struct Transcript: Sendable {
    public struct Exchange: Sendable {
        public var number: Int
        public var status: Int
        public var summary: String
        public var request: [UInt8]
        public var response: [UInt8]
    }

    public var name: String
    public var exchanges: [Exchange]

    public static let indexFile = "index.txt"

    /// `7` → `0007`.
    public static func number(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public static func fileName(_ number: Int, _ kind: String) -> String { self.number(number) + ".\(kind).xml" }

    /// Reads one scenario folder.
    public static func read(directory: URL) throws -> Transcript {
        let index = try String(contentsOf: directory.appendingPathComponent(indexFile), encoding: .utf8)
        var exchanges: [Exchange] = []
        for (lineNumber, line) in index.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, let number = Int(fields[0]), let status = Int(fields[1]) else {
                throw TranscriptError(
                    message:
                        "\(directory.lastPathComponent)/\(indexFile) line \(lineNumber + 1): expected NUMBER<TAB>STATUS<TAB>SUMMARY"
                )
            }
            let request = try Data(contentsOf: directory.appendingPathComponent(fileName(number, "request")))
            let response = try Data(contentsOf: directory.appendingPathComponent(fileName(number, "response")))
            exchanges.append(
                Exchange(
                    number: number, status: status, summary: fields.count > 2 ? String(fields[2]) : "",
                    request: Array(request), response: Array(response)))
        }
        return Transcript(name: directory.lastPathComponent, exchanges: exchanges)
    }

    /// Reads a scenario folder, or every scenario folder directly inside `path`.
    public static func readAll(path: String) throws -> [Transcript] {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: url.appendingPathComponent(indexFile).path) {
            return [try read(directory: url)]
        }
        let children = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        return try children.compactMap { name in
            let child = url.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: child.appendingPathComponent(indexFile).path) else {
                return nil
            }
            return try read(directory: child)
        }
    }
}

public struct TranscriptError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
