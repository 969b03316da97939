import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throw-away MIT Kerberos realm on 127.0.0.1, made and run by the test suite itself (Debian's krb5-kdc and
/// krb5-admin-server; config, database and keytabs in a temporary directory; nothing under /etc is touched).
///
/// Principals: `HTTP/localhost` (the Hyper-V host's service, its key in ``serviceKeytab``), `alice` (a user with a
/// password, for `kinit`), `agent` (the agent's service account, its key in ``agentKeytab``, tickets living
/// ``agentTicketLifetime`` seconds — short, so tests see renewal).
public final class TestKDC: @unchecked Sendable {
    public static let realm = "HVTEST.LOCAL"
    public let directory: URL
    public let port: Int
    public let alicePassword: String
    public let agentTicketLifetime: Int
    private let kdc: Process

    public var krb5Config: String { directory.appendingPathComponent("krb5.conf").path }
    public var serviceKeytab: String { directory.appendingPathComponent("http.keytab").path }
    public var agentKeytab: String { directory.appendingPathComponent("agent.keytab").path }
    public var agentPrincipal: String { "agent@\(Self.realm)" }

    /// Environment for a Kerberos client of this realm (plus `extra`).
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["KRB5_CONFIG": krb5Config, "PATH": "/usr/bin:/bin"].merging(extra) { $1 }
    }

    public struct SetupFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether the KDC programs are installed (`make test` installs them).
    public static var isAvailable: Bool {
        ["/usr/sbin/krb5kdc", "/usr/sbin/kdb5_util", "/usr/sbin/kadmin.local", "/usr/bin/kinit"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    private init(directory: URL, port: Int, alicePassword: String, lifetime: Int, kdc: Process) {
        self.directory = directory
        self.port = port
        self.alicePassword = alicePassword
        self.agentTicketLifetime = lifetime
        self.kdc = kdc
    }

    /// The libfaketime preload library (Debian's faketime package), for a KDC whose clock is off.
    static var fakeTimeLibrary: String? {
        let root = "/usr/lib"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let path = "\(root)/\(entry)/faketime/libfaketimeMT.so.1"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// `clockOffset` (a libfaketime offset such as "-1h") runs the KDC with its clock that far off: its clients then
    /// keep that offset for their own timestamps (kdc_timesync), so a service with the true time sees clock skew.
    public static func start(agentTicketLifetime: Int = 20, clockOffset: String? = nil) async throws -> TestKDC {
        guard isAvailable else {
            throw SetupFailure(
                description: "MIT Kerberos KDC not installed (apt-get install krb5-kdc krb5-admin-server krb5-user)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kdc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try freePort()
        let path = directory.path
        try """
            [kdcdefaults]
             kdc_listen = 127.0.0.1:\(port)
             kdc_tcp_listen = 127.0.0.1:\(port)
            [realms]
             \(realm) = {
              database_name = \(path)/principal
              key_stash_file = \(path)/stash
              acl_file = \(path)/kadm5.acl
              max_life = 10h
              max_renewable_life = 0
              supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
             }
            [logging]
             kdc = FILE:\(path)/kdc.log
            """.write(to: directory.appendingPathComponent("kdc.conf"), atomically: true, encoding: .utf8)
        // No DNS and no reverse DNS: the service principal is exactly HTTP/<host of the URL>. TCP only.
        try """
            [libdefaults]
             default_realm = \(realm)
             dns_lookup_kdc = false
             dns_lookup_realm = false
             dns_canonicalize_hostname = false
             rdns = false
             udp_preference_limit = 1
             default_ccache_name = FILE:\(path)/ccache-default
            [realms]
             \(realm) = {
              kdc = 127.0.0.1:\(port)
             }
            [domain_realm]
             localhost = \(realm)
            """.write(to: directory.appendingPathComponent("krb5.conf"), atomically: true, encoding: .utf8)
        let environment = [
            "KRB5_CONFIG": "\(path)/krb5.conf", "KRB5_KDC_PROFILE": "\(path)/kdc.conf", "PATH": "/usr/sbin:/usr/bin:/bin",
        ]
        func admin(_ arguments: [String]) async throws {
            let result = try await ChildProcess.run("/usr/sbin/kadmin.local", ["-r", realm, "-q"] + arguments,
                environment: environment)
            guard result.status == 0, !result.stderr.contains("kadmin.local:") || result.stderr.isEmpty
            else { throw SetupFailure(description: "kadmin.local \(arguments): \(result.stdout) \(result.stderr)") }
        }
        let master = "master-\(UUID().uuidString)"
        let created = try await ChildProcess.run(
            "/usr/sbin/kdb5_util", ["-r", realm, "create", "-s", "-P", master], environment: environment)
        guard created.status == 0 else {
            throw SetupFailure(description: "kdb5_util create failed: \(created.stderr)")
        }
        let alicePassword = "alice-\(UUID().uuidString)"
        try await admin(["addprinc -randkey HTTP/localhost"])
        try await admin(["ktadd -k \(path)/http.keytab HTTP/localhost"])
        try await admin(["addprinc -pw \(alicePassword) alice"])
        try await admin(["addprinc -randkey -maxlife \"\(agentTicketLifetime) seconds\" agent"])
        try await admin(["ktadd -k \(path)/agent.keytab agent"])
        let kdc = Process()
        kdc.executableURL = URL(fileURLWithPath: "/usr/sbin/krb5kdc")
        kdc.arguments = ["-n", "-r", realm]
        var kdcEnvironment = environment
        if let clockOffset {
            guard let library = fakeTimeLibrary else {
                throw SetupFailure(description: "libfaketime not installed (apt-get install faketime)")
            }
            kdcEnvironment["LD_PRELOAD"] = library
            kdcEnvironment["FAKETIME"] = clockOffset
        }
        kdc.environment = kdcEnvironment
        kdc.standardOutput = FileHandle.nullDevice
        kdc.standardError = FileHandle.nullDevice
        try kdc.run()
        let running = TestKDC(directory: directory, port: port, alicePassword: alicePassword,
            lifetime: agentTicketLifetime, kdc: kdc)
        guard await running.waitUntilListening() else {
            await running.stop()
            throw SetupFailure(description: "krb5kdc did not start listening on 127.0.0.1:\(port)")
        }
        return running
    }

    /// `kinit alice` into `cache` (FILE:…); returns the cache name.
    public func kinitAlice(cache: String) async throws -> String {
        let result = try await ChildProcess.run(
            "/bin/sh", ["-c", "printf '%s\\n' \"$ALICE_PW\" | /usr/bin/kinit alice@\(Self.realm) >/dev/null"],
            environment: environment(["KRB5CCNAME": cache, "ALICE_PW": alicePassword]))
        guard result.status == 0 else { throw SetupFailure(description: "kinit alice failed: \(result.stderr)") }
        return cache
    }

    /// A ticket for `agent` from its keytab into `cache`: issued now, so it expires no earlier than any ticket the
    /// agent got before — a witness a test can watch.
    public func kinitAgent(cache: String) async throws {
        let result = try await ChildProcess.run(
            "/usr/bin/kinit", ["-k", "-t", agentKeytab, agentPrincipal], environment: environment(["KRB5CCNAME": cache]))
        guard result.status == 0 else { throw SetupFailure(description: "kinit -k agent failed: \(result.stderr)") }
    }

    /// Returns once Kerberos itself says the tickets in `cache` have expired (`klist -s` fails), at most after
    /// `limit`; a ticket's lifetime is the KDC's wall clock, which no test clock can move.
    public func waitUntilExpired(cache: String, limit: Duration = .seconds(60)) async -> Bool {
        let environment = environment(["KRB5CCNAME": cache])
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let giveUp = ContinuousClock.now + limit
                while ContinuousClock.now < giveUp {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/klist")
                    process.arguments = ["-s"]
                    process.environment = environment
                    process.standardOutput = FileHandle.nullDevice
                    process.standardError = FileHandle.nullDevice
                    guard (try? process.run()) != nil else { break }
                    process.waitUntilExit()
                    if process.terminationStatus != 0 {
                        // Kerberos times are whole seconds and klist and GSS-API treat the end second differently:
                        // let that second pass before the ticket counts as expired everywhere.
                        usleep(1_100_000)
                        continuation.resume(returning: true)
                        return
                    }
                    usleep(200_000)
                }
                continuation.resume(returning: false)
            }
        }
    }

    /// Adds a service principal and exports its key to a keytab in the realm's directory (for other host names).
    public func addService(_ principal: String) async throws -> String {
        let keytab = directory.appendingPathComponent("svc-\(UUID().uuidString).keytab").path
        let environment = [
            "KRB5_CONFIG": krb5Config, "KRB5_KDC_PROFILE": directory.appendingPathComponent("kdc.conf").path,
        ]
        for query in ["addprinc -randkey \(principal)", "ktadd -k \(keytab) \(principal)"] {
            let result = try await ChildProcess.run(
                "/usr/sbin/kadmin.local", ["-r", Self.realm, "-q", query], environment: environment)
            guard result.status == 0 else { throw SetupFailure(description: "kadmin.local \(query): \(result.stderr)") }
        }
        return keytab
    }

    private func waitUntilListening() async -> Bool {
        let port = self.port
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                for _ in 0..<500 {
                    if TestKDC.accepts(port: port) {
                        continuation.resume(returning: true)
                        return
                    }
                    usleep(10_000)
                }
                continuation.resume(returning: false)
            }
        }
    }

    static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw SetupFailure(description: "socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw SetupFailure(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension TestKDC: AsyncStoppable {
    public func stop() async {
        let pid = kdc.processIdentifier
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                // SIGKILL: the test process may have SIGTERM blocked, a mask its children inherit; the realm is
                // thrown away anyway.
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                continuation.resume()
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
