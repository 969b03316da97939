import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to its end, the way a test needs to observe it: exit status, stdout, stderr (kept apart).
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// `environment: nil` inherits this process's environment; `[:]` gives the child none at all (as CloudStack's
    /// management server starts an extension). The wait happens on a thread of its own: a test blocking the
    /// cooperative pool would starve the in-process fixture the child talks to.
    public static func run(
        _ program: String, _ arguments: [String], environment: [String: String]? = nil,
        workingDirectory: String? = nil
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Swift.Result {
                        try runBlocking(
                            program, arguments, environment: environment, workingDirectory: workingDirectory)
                    })
            }
        }
    }

    static func runBlocking(
        _ program: String, _ arguments: [String], environment: [String: String]?, workingDirectory: String?
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errorHandle
        try process.run()
        try? errorHandle.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        var raw: Int32 = 0
        let status: Int32
        // Foundation's waitUntilExit can hang in test processes here; reap the child directly.
        if waitpid(process.processIdentifier, &raw, 0) == process.processIdentifier {
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        } else {
            process.waitUntilExit()
            status = process.terminationStatus
        }
        let errors = (try? Data(contentsOf: errorFile)) ?? Data()
        return Result(
            status: status, stdout: String(decoding: data, as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self))
    }

    /// A product built beside the running test bundle (`swift build --build-tests` builds every product).
    public static func product(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
