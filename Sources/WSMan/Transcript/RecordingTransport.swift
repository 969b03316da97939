import Foundation
import Synchronization
import XMLSupport

/// Wraps a transport and writes every exchange as a ``Transcript`` folder, scrubbed of host names, user
/// names and passwords. `Authorization` headers are never seen here, so they cannot be recorded.
public final class RecordingTransport: WSManTransport {
    public let base: any WSManTransport
    public let directory: URL
    private let scrubber: Scrubber
    private let counter = Mutex(0)
    /// Index lines are appended one writer at a time (concurrent requests — a disk walk — record in parallel).
    private let indexLock = Mutex(())

    public var endpoint: String { base.endpoint }

    public init(base: any WSManTransport, directory: String, scrubber: Scrubber) throws {
        self.base = base
        self.directory = URL(fileURLWithPath: directory)
        self.scrubber = scrubber
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let index = self.directory.appendingPathComponent(Transcript.indexFile)
        if !FileManager.default.fileExists(atPath: index.path) {
            try Data("# number\tstatus\tsummary\n".utf8).write(to: index)
        } else {
            let existing = try String(contentsOf: index, encoding: .utf8)
            let last =
                existing.split(separator: "\n").compactMap { Int($0.split(separator: "\t").first ?? "") }.max() ?? 0
            counter.withLock { $0 = last }
        }
    }

    public func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse {
        let response = try await base.send(envelope, action: action)
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let summary = Self.summary(of: envelope, action: action)
        let request = scrubber.scrub(String(decoding: envelope, as: UTF8.self))
        let answer = scrubber.scrub(String(decoding: response.body, as: UTF8.self))
        try? Data(request.utf8).write(to: directory.appendingPathComponent(Transcript.fileName(number, "request")))
        try? Data(answer.utf8).write(to: directory.appendingPathComponent(Transcript.fileName(number, "response")))
        let line = "\(Transcript.number(number))\t\(response.status)\t\(scrubber.scrub(summary))\n"
        indexLock.withLock { _ in
            if let handle = try? FileHandle(forWritingTo: directory.appendingPathComponent(Transcript.indexFile)) {
                handle.seekToEndOfFile()
                handle.write(Data(line.utf8))
                try? handle.close()
            }
        }
        return response
    }

    /// `Invoke CreateSnapshot`, `Enumerate SELECT …`, `Get Msvm_ConcreteJob`, …
    static func summary(of envelope: [UInt8], action: String) -> String {
        guard let request = try? IncomingRequest.read(envelope) else { return action }
        if request.isIdentify { return "Identify" }
        if let method = request.invokeMethod { return "Invoke \(method)" }
        if let filter = request.filter {
            return "Enumerate \(filter.text.replacingAll("\t", with: " ").replacingAll("\n", with: " "))"
        }
        return ResourceURI.className(of: request.action) + " " + ResourceURI.className(of: request.resourceURI)
    }
}
