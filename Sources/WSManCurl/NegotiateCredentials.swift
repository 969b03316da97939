import CCurlShims
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// NTLM credentials for `winrm.auth = negotiate`: libcurl's SPNEGO goes through GSS-API, where gss-ntlmssp reads
/// `DOMAIN:user:password` lines from the file `NTLM_USER_FILE` names. The agent keeps that file in memory
/// (`memfd_create`) and points the variable at `/proc/self/fd/N`: no password ever lands on a disk, and nothing is
/// left behind when the process ends. An operator's own `NTLM_USER_FILE` is left alone.
public enum NegotiateCredentials {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    nonisolated(unsafe) private static var descriptor: Int32 = -1
    private static let lock = NSLock()

    /// The `NTLM_USER_FILE` line for `user` (`DOMAIN\user` or `user`).
    static func line(user: String, password: String) -> String {
        let parts = user.split(separator: "\\", maxSplits: 1).map(String.init)
        return parts.count == 2 ? "\(parts[0]):\(parts[1]):\(password)\n" : ":\(user):\(password)\n"
    }

    /// Installs the credentials for this process (replacing earlier ones); returns the path `NTLM_USER_FILE` now
    /// names, or `nil` when the operator set `NTLM_USER_FILE` already.
    @discardableResult
    public static func install(
        user: String, password: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Failure) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let existing = environment["NTLM_USER_FILE"], !existing.isEmpty, existing != "/proc/self/fd/\(descriptor)" {
            return nil
        }
        let file = CCurlShims_secret_memfd("hyperv-agent-ntlm")
        guard file >= 0 else {
            throw Failure(
                description:
                    "cannot create the in-memory NTLM credentials for winrm.auth = negotiate: \(String(cString: strerror(errno)))"
            )
        }
        let bytes = Array(line(user: user, password: password).utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            close(file)
            throw Failure(description: "cannot write the in-memory NTLM credentials for winrm.auth = negotiate")
        }
        if descriptor >= 0 { close(descriptor) }
        descriptor = file
        let path = "/proc/self/fd/\(file)"
        setenv("NTLM_USER_FILE", path, 1)
        return path
    }
}
