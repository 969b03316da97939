#if canImport(Glibc)
    import Glibc
#endif

/// Where the WinRM password comes from: `HYPERV_AGENT_WINRM_PASSWORD`, else `winrm.password_file`, which must be
/// a regular file of mode 0600 or 0400 (no group or other access). Trailing newlines are dropped.
public enum PasswordSource {
    public static let environmentVariable = "HYPERV_AGENT_WINRM_PASSWORD"

    public static func resolve(_ configuration: AgentConfiguration, environment: [String: String]) throws(ConfigError)
        -> String?
    {
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        guard let path = configuration.winrmPasswordFile else { return nil }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigError(
                code: .unreadable, location: "winrm.password_file",
                message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ConfigError(
                code: .unreadable, location: "winrm.password_file", message: "\(path) is not a regular file")
        }
        let permissions = info.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw ConfigError(
                code: .insecurePermissions, location: "winrm.password_file",
                message:
                    "\(path) has mode \(String(permissions, radix: 8)); it must be 0600 or 0400 (run: chmod 600 \(path))"
            )
        }
        guard let file = fopen(path, "r") else {
            throw ConfigError(
                code: .unreadable, location: "winrm.password_file",
                message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            if bytes.count > 65_536 { break }
        }
        var password = String(decoding: bytes, as: UTF8.self)
        while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else {
            throw ConfigError(code: .badValue, location: "winrm.password_file", message: "\(path) is empty")
        }
        return password
    }
}
