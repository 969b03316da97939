import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A per-VM lock that holds across processes sharing a state directory (`serve`, `exec`, `checkpoints …`, the
/// extension entry point): `flock(LOCK_EX | LOCK_NB)` on `<state_dir>/locks/<vm>.lock`.
///
/// The kernel releases the lock when the holder's descriptor closes, so a process killed mid-operation never
/// leaves a VM locked. The file holds the holder's pid and operation, only to name it in the refusal.
public final class VMLockFile: Sendable {
    public struct Holder: Sendable, Equatable {
        public var pid: Int32
        public var operation: String
    }

    /// Why a lock could not be taken.
    public enum Failure: Error, Sendable {
        /// Another process holds it.
        case held(Holder?)
        /// The lock file cannot be created or locked (`errno` text).
        case unavailable(String)
    }

    let descriptor: Int32
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// Takes the lock of `vm` or fails at once; never waits.
    public static func acquire(directory: String, vm: String, operation: String) throws(Failure) -> VMLockFile {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unavailable("cannot create \(directory): \(error.localizedDescription)")
        }
        let path = (directory as NSString).appendingPathComponent(fileName(for: vm))
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unavailable("cannot open \(path): \(String(cString: strerror(errno)))") }
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK else {
                close(descriptor)
                throw .unavailable("cannot lock \(path): \(String(cString: strerror(code)))")
            }
            let holder = readHolder(descriptor)
            // Held by this very process although it released the lock: a child being spawned by another thread
            // still shares the lock's open file description until it execs (fork → exec window). Look again shortly.
            attempts += 1
            guard holder?.pid == getpid(), attempts <= 100 else {
                close(descriptor)
                throw .held(holder)
            }
            usleep(2_000)
        }
        let text = "\(getpid()) \(operation)\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return VMLockFile(descriptor: descriptor, path: path)
    }

    static func readHolder(_ descriptor: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let pid = parts.first.flatMap({ Int32($0) }) else { return nil }
        return Holder(pid: pid, operation: parts.count > 1 ? parts[1] : "an operation")
    }

    /// A file name for any VM name: letters, digits, `-` and `.` kept, everything else `%XX`; long names shortened
    /// with a hash so the name stays unique and under the file system's limit.
    static func fileName(for vm: String) -> String {
        var name = ""
        for byte in vm.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, CharacterSet.alphanumerics.contains(scalar) || byte == 0x2D || byte == 0x2E && !name.isEmpty
            {
                name.append(Character(scalar))
            } else {
                name += String(format: "%%%02X", byte)
            }
        }
        if name.count > 180 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in vm.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            name = String(name.prefix(160)) + "-" + String(hash, radix: 16)
        }
        return name + ".lock"
    }
}
