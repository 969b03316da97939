import Foundation
import NIOCore
import Synchronization
import WinRMSecurity

/// The fixture's Negotiate side, as a Windows WinRM listener behaves: the SPNEGO handshake on one TCP connection
/// (Kerberos with a service keytab, NTLM through gss-ntlmssp with a users file), after which that connection is
/// authenticated and may carry sealed (`multipart/encrypted`) or — when allowed — plain-text messages.
public final class NegotiateAcceptor: Sendable {
    /// What one connection has done so far (for tests and for measuring round trips).
    public struct Statistics: Sendable, Codable, Equatable {
        /// Handshake legs answered (each an HTTP round trip).
        public var handshakeLegs = 0
        /// Handshakes completed.
        public var handshakes = 0
        /// Messages received sealed / in plain text on an authenticated connection.
        public var sealedMessages = 0
        public var plainMessages = 0
        /// Requests refused with 401 (bad token, plain text when encryption is required, no context).
        public var refusals = 0
        /// Contexts that expired (with their Kerberos ticket) and were dropped.
        public var expiredContexts = 0
        /// Mechanism and client of the last completed handshake.
        public var lastMechanism: String?
        public var lastClient: String?
    }

    /// The outcome of a request's `Authorization: Negotiate` header.
    public enum HandshakeReply: Sendable {
        /// 401 with this token (`WWW-Authenticate: Negotiate <token>`).
        case continueWith([UInt8])
        /// Established; the final token (may be empty) goes into the answer's `WWW-Authenticate`.
        case established([UInt8])
        /// Refused: 401, with the acceptor's error token if it produced one.
        case refused(errorToken: [UInt8]?, reason: String)
    }

    private final class Connection: @unchecked Sendable {
        var context: SecurityContext?
    }

    private let credential: GSSCredential
    private let bindings: [UInt8]?
    private let connections = Mutex<[ObjectIdentifier: Connection]>([:])
    private let statistics = Mutex(Statistics())

    /// `keytab`: Kerberos service keys (`HTTP/host@REALM`); NTLM users come from the file `NTLM_USER_FILE` names (see
    /// ``FixtureServerConfiguration/NegotiateSettings``).
    /// `bindings`: the channel bindings every client must send (`CbtHardeningLevel=Strict`); `nil` accepts any.
    public init(keytab: String?, bindings: [UInt8]? = nil) throws(SecurityError) {
        credential = try GSSCredential.acceptor(keytab: keytab)
        self.bindings = bindings
    }

    public var currentStatistics: Statistics { statistics.withLock { $0 } }

    private func connection(for channel: any Channel) -> Connection {
        let key = ObjectIdentifier(channel)
        let (connection, isNew) = connections.withLock { table -> (Connection, Bool) in
            if let existing = table[key] { return (existing, false) }
            let made = Connection()
            table[key] = made
            return (made, true)
        }
        if isNew {
            // The context dies with the TCP connection, as on Windows.
            channel.closeFuture.whenComplete { [weak self] _ in
                _ = self?.connections.withLock { $0.removeValue(forKey: key) }
            }
        }
        return connection
    }

    /// One handshake leg on `channel`. A new `Authorization: Negotiate` on an authenticated connection starts over.
    public func handshake(token: [UInt8], on channel: any Channel) -> HandshakeReply {
        let connection = connection(for: channel)
        statistics.withLock { $0.handshakeLegs += 1 }
        if bindings != nil, NTLMChannelBindingCheck.bindingsPresent(in: token) == false {
            // Strict: an NTLM AUTHENTICATE without channel bindings is refused (gss-ntlmssp alone would accept it).
            connections.withLock { _ in connection.context = nil }
            statistics.withLock { $0.refusals += 1 }
            return .refused(errorToken: nil, reason: "NTLM AUTHENTICATE without channel bindings (CbtHardeningLevel=Strict)")
        }
        return connections.withLock { _ -> HandshakeReply in
            do throws(SecurityError) {
                if connection.context == nil || connection.context?.isEstablished == true {
                    connection.context = try SecurityContext(acceptorWith: credential, bindings: bindings)
                }
                guard let context = connection.context else { return .refused(errorToken: nil, reason: "no context") }
                switch try context.step(token) {
                case .continueWith(let next):
                    return .continueWith(next)
                case .complete(let last):
                    statistics.withLock {
                        $0.handshakes += 1
                        $0.lastMechanism = context.mechanism.rawValue
                        $0.lastClient = context.peerName
                    }
                    return .established(last)
                }
            } catch {
                connection.context = nil
                statistics.withLock { $0.refusals += 1 }
                return .refused(errorToken: error.errorToken, reason: error.description)
            }
        }
    }

    /// The established context of `channel`, if its handshake completed and it has not expired. As on Windows, a
    /// context ends with the Kerberos ticket it came from: the client must authenticate the connection again.
    public func establishedContext(on channel: any Channel) -> SecurityContext? {
        let connection = connection(for: channel)
        return connections.withLock { _ in
            guard let context = connection.context, context.isEstablished else { return nil }
            guard context.lifetime > 0 else {
                connection.context = nil
                statistics.withLock { $0.expiredContexts += 1 }
                return nil
            }
            return context
        }
    }

    /// Opens a sealed request on `channel`'s context.
    public func open(_ body: [UInt8], contentType: String?, on channel: any Channel) throws -> [UInt8] {
        guard let context = establishedContext(on: channel) else {
            throw SealedMessageError(message: "no authenticated context on this connection")
        }
        return try connections.withLock { _ in
            let plain = try SealedMessage.open(body, contentType: contentType, with: context)
            statistics.withLock { $0.sealedMessages += 1 }
            return plain
        }
    }

    /// Seals an answer on `channel`'s context.
    public func seal(_ body: [UInt8], on channel: any Channel) throws -> [UInt8] {
        guard let context = establishedContext(on: channel) else {
            throw SealedMessageError(message: "no authenticated context on this connection")
        }
        return try connections.withLock { _ in try SealedMessage.seal(body, with: context) }
    }

    func countPlain() { statistics.withLock { $0.plainMessages += 1 } }
    func countRefusal() { statistics.withLock { $0.refusals += 1 } }
}
