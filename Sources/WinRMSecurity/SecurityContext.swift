import CGSSShims

#if canImport(Glibc)
    import Glibc
#endif

/// One SPNEGO security context: the agent's side of a connection's handshake (initiator) or the fixture's
/// (acceptor), then WinRM's sealing of every message on that connection.
///
/// Not thread-safe: a context belongs to one connection and is used by one thread at a time (the connection's queue,
/// or the fixture under a lock), hence `@unchecked Sendable`.
public final class SecurityContext: @unchecked Sendable {
    public enum Step: Sendable, Equatable {
        /// Send this token to the peer and wait for its answer.
        case continueWith([UInt8])
        /// Established; a last token (possibly empty) goes to the peer.
        case complete([UInt8])
    }

    private let raw: OpaquePointer
    /// Kept alive as long as the context uses it.
    private let credential: GSSCredential?
    public private(set) var isEstablished = false

    /// An initiator for the service `HTTP/host`. `bindings` is the channel bindings' application data (HTTPS only).
    public init(
        initiatorFor host: String, service: String = "HTTP", credential: GSSCredential?, bindings: [UInt8]? = nil,
        only mechanism: SecurityMechanism? = nil
    ) throws(SecurityError) {
        var status = CGSS_Status()
        let mechanismCode: Int32 =
            switch mechanism {
            case .kerberos: Int32(CGSS_MECH_KERBEROS)
            case .ntlm: Int32(CGSS_MECH_NTLM)
            default: 0
            }
        let made: OpaquePointer? =
            if let bindings, !bindings.isEmpty {
                bindings.withUnsafeBufferPointer { buffer in
                    CGSS_initiator_new(
                        "\(service)@\(host)", credential?.raw, buffer.baseAddress, buffer.count, mechanismCode, &status)
                }
            } else {
                CGSS_initiator_new("\(service)@\(host)", credential?.raw, nil, 0, mechanismCode, &status)
            }
        guard let made else { throw SecurityError(status: status) }
        raw = made
        self.credential = credential
    }

    /// An acceptor (the fixture's side of a connection); with `bindings`, clients must send the same channel
    /// bindings (a host with `CbtHardeningLevel=Strict`).
    public init(acceptorWith credential: GSSCredential?, bindings: [UInt8]? = nil) throws(SecurityError) {
        guard let made = CGSS_acceptor_new(credential?.raw) else {
            throw SecurityError(code: .other, call: "CGSS_acceptor_new", detail: "out of memory")
        }
        raw = made
        self.credential = credential
        if let bindings, !bindings.isEmpty {
            _ = bindings.withUnsafeBufferPointer { CGSS_acceptor_set_bindings(raw, $0.baseAddress, $0.count) }
        }
    }

    deinit { CGSS_context_free(raw) }

    /// One handshake step with the peer's token (empty to start).
    public func step(_ token: [UInt8]) throws(SecurityError) -> Step {
        var status = CGSS_Status()
        var output = CGSS_Bytes()
        let result = token.withUnsafeBufferPointer { buffer in
            CGSS_step(raw, buffer.baseAddress, buffer.count, &output, &status)
        }
        let bytes = Self.take(&output)
        switch result {
        case Int32(CGSS_STEP_COMPLETE):
            isEstablished = true
            return .complete(bytes)
        case Int32(CGSS_STEP_CONTINUE):
            return .continueWith(bytes)
        default:
            var error = SecurityError(status: status)
            // An acceptor's error token (e.g. a KRB-ERROR) still has to reach the initiator.
            if !bytes.isEmpty { error.errorToken = bytes }
            throw error
        }
    }

    public var mechanism: SecurityMechanism { SecurityMechanism(code: CGSS_mechanism(raw)) }

    /// The client (acceptor side) or the service (initiator side) once established.
    public var peerName: String? {
        guard let pointer = CGSS_peer_name(raw) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// Seconds the established context stays valid.
    public var lifetime: UInt32 { CGSS_context_lifetime(raw) }

    /// Seals `data`: the header (NTLM signature or Kerberos token header) and the encrypted data.
    public func wrap(_ data: [UInt8]) throws(SecurityError) -> (header: [UInt8], sealed: [UInt8]) {
        var status = CGSS_Status()
        var header = CGSS_Bytes()
        var sealed = CGSS_Bytes()
        let result = data.withUnsafeBufferPointer { buffer in
            CGSS_wrap(raw, buffer.baseAddress, buffer.count, &header, &sealed, &status)
        }
        let headerBytes = Self.take(&header)
        let sealedBytes = Self.take(&sealed)
        guard result == 0 else { throw SecurityError(status: status) }
        return (headerBytes, sealedBytes)
    }

    /// Opens a sealed message; throws when it does not verify or was not encrypted.
    public func unwrap(header: [UInt8], sealed: [UInt8]) throws(SecurityError) -> [UInt8] {
        var status = CGSS_Status()
        var plain = CGSS_Bytes()
        let result = header.withUnsafeBufferPointer { headerBuffer in
            sealed.withUnsafeBufferPointer { sealedBuffer in
                CGSS_unwrap(
                    raw, headerBuffer.baseAddress, headerBuffer.count, sealedBuffer.baseAddress, sealedBuffer.count,
                    &plain, &status)
            }
        }
        let bytes = Self.take(&plain)
        guard result == 0 else { throw SecurityError(status: status) }
        return bytes
    }

    private static func take(_ bytes: inout CGSS_Bytes) -> [UInt8] {
        defer { CGSS_bytes_free(&bytes) }
        guard let data = bytes.data, bytes.length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: bytes.length))
    }
}
