import CGSSShims

/// TLS channel bindings for Negotiate over HTTPS (RFC 5929 `tls-server-end-point`): the hash of the host's
/// certificate, bound into the authentication so a host with `CbtHardeningLevel=Strict` accepts it and a TLS
/// man-in-the-middle cannot relay it.
public enum ChannelBindings {
    /// The bindings' application data for a PEM certificate (`tls-server-end-point:` + hash); `nil` if unreadable.
    public static func tlsServerEndPoint(pem: String) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: 128)
        let length = pem.withCString { text in
            output.withUnsafeMutableBufferPointer { buffer in
                CGSS_tls_server_end_point(text, strlen(text), buffer.baseAddress, buffer.count)
            }
        }
        guard length > 0 else { return nil }
        return Array(output.prefix(Int(length)))
    }
}

#if canImport(Glibc)
    import Glibc
#endif
