#if canImport(Glibc)
    import Glibc
#endif

/// Where log lines go: stderr, a file opened for appending (`log.file`), or nowhere.
public final class LogSink: Sendable {
    let descriptor: Int32?

    private init(descriptor: Int32?) { self.descriptor = descriptor }

    public static let standardError = LogSink(descriptor: 2)
    public static let discard = LogSink(descriptor: nil)

    /// Appends to `path` (created mode 0600); `nil` when it cannot be opened.
    public static func file(_ path: String) -> LogSink? {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        return descriptor < 0 ? nil : LogSink(descriptor: descriptor)
    }

    /// Writes one whole line (callers serialise).
    func write(_ line: String) {
        guard let descriptor else { return }
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
