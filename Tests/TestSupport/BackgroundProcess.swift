import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running child (`winrm-fixture`, `hyperv-agent serve`, a KDC) that announces itself with its first line of
/// stdout (a URL) and runs until ``stop()``. Waiting happens on threads of their own, never on the cooperative pool.
public final class BackgroundProcess: @unchecked Sendable {
    public let process: Process
    /// The first line the child printed (e.g. its URL).
    public let firstLine: String
    private let errorFile: URL

    private init(process: Process, firstLine: String, errorFile: URL) {
        self.process = process
        self.firstLine = firstLine
        self.errorFile = errorFile
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `program` and returns once it printed its first line (fails if it exits first).
    public static func start(
        _ program: String, _ arguments: [String], environment: [String: String]? = nil
    ) async throws -> BackgroundProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("bg-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        try process.run()
        try? errorHandle.close()
        let reader = output.fileHandleForReading
        let line: String? = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(reader.fileDescriptor, &byte, 1) == 1 {
                    if byte == UInt8(ascii: "\n") {
                        continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
                        return
                    }
                    bytes.append(byte)
                }
                continuation.resume(returning: nil)
            }
        }
        guard let line else {
            let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            process.terminate()
            throw StartFailure(description: "\(program) exited before printing its first line: \(errors)")
        }
        return BackgroundProcess(process: process, firstLine: line, errorFile: errorFile)
    }

    /// What the child wrote to stderr so far.
    public var standardError: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for the child to end; SIGKILL after 1 s (a child may inherit the test process's blocked
    /// SIGTERM).
    public func stop() async {
        let pid = process.processIdentifier
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                kill(pid, SIGTERM)
                var status: Int32 = 0
                for _ in 0..<100 {
                    if waitpid(pid, &status, WNOHANG) != 0 { break }
                    usleep(10_000)
                }
                if kill(pid, 0) == 0 {
                    kill(pid, SIGKILL)
                    waitpid(pid, &status, 0)
                }
                continuation.resume()
            }
        }
        try? FileManager.default.removeItem(at: errorFile)
    }
}

extension BackgroundProcess: AsyncStoppable {}
