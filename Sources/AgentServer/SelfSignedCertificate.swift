import Foundation

/// The channel's certificate when `agent.tls_cert` / `agent.tls_key` are not set: generated once into the state
/// directory with `openssl` (CloudStack's client accepts any certificate), then reused.
public enum SelfSignedCertificate {
    public struct Files: Sendable {
        public var certificate: String
        public var key: String
        /// `SHA256 Fingerprint=AB:CD:…` as printed by openssl.
        public var fingerprint: String
        public var generated: Bool
    }

    public static func ensure(in stateDirectory: String, hostName: String) throws -> Files {
        let directory = URL(fileURLWithPath: stateDirectory)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let certificate = directory.appendingPathComponent("agent-selfsigned.crt").path
        let key = directory.appendingPathComponent("agent-selfsigned.key").path
        var generated = false
        if !FileManager.default.fileExists(atPath: certificate) || !FileManager.default.fileExists(atPath: key) {
            try run([
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                "-days", "3650", "-subj", "/CN=\(hostName)", "-addext",
                "subjectAltName=DNS:\(hostName),DNS:localhost,IP:127.0.0.1",
            ])
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
            generated = true
        }
        let fingerprint = try run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", certificate])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Files(certificate: certificate, key: key, fingerprint: fingerprint, generated: generated)
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .executableLoad,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "\(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)); is openssl installed?"
                ])
        }
        return String(decoding: data, as: UTF8.self)
    }
}
