import Testing

import CGSSShims

@testable import WinRMSecurity

@Suite struct SealedMessageTests {
    @Test func framingMatchesMSWSMV() throws {
        let part = SealedMessage.Part(originalLength: 5, header: [1, 2, 3], sealed: [9, 8, 7, 6, 5])
        let body = SealedMessage.frame([part])
        let text = String(decoding: body, as: UTF8.self)
        #expect(
            text.hasPrefix(
                "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n"
            ))
        #expect(text.hasSuffix("--Encrypted Boundary--\r\n"))
        // The header length is 4 bytes little-endian, then the header, then the sealed bytes, then the closing boundary.
        let prefixLength = Array(
            "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n"
                .utf8
        ).count
        #expect(Array(body[prefixLength..<prefixLength + 4]) == [3, 0, 0, 0])
        #expect(Array(body[prefixLength + 4..<prefixLength + 12]) == [1, 2, 3, 9, 8, 7, 6, 5])
        #expect(try SealedMessage.parse(body, contentType: SealedMessage.contentType) == [part])
    }

    @Test func sealedBytesThatLookLikeTheBoundaryStillParse() throws {
        let tricky = Array("--Encrypted Boundary--\r\n--Encrypted Boundary\r\n".utf8)
        let part = SealedMessage.Part(originalLength: 60, header: Array(repeating: 0xAB, count: 60), sealed: tricky)
        #expect(try SealedMessage.parse(SealedMessage.frame([part]), contentType: nil) == [part])
    }

    @Test func severalPartsAndAnotherBoundaryName() throws {
        let parts = [
            SealedMessage.Part(originalLength: 3, header: [1], sealed: [2, 3, 4]),
            SealedMessage.Part(originalLength: 2, header: [5, 6], sealed: [7, 8]),
        ]
        let framed = String(decoding: SealedMessage.frame(parts), as: UTF8.self)
            .replacingOccurrences(of: "Encrypted Boundary", with: "XYZ")
        let parsed = try SealedMessage.parse(
            Array(framed.utf8),
            contentType: "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"XYZ\"")
        #expect(parsed == parts)
    }

    @Test(arguments: [
        "", "garbage", "--Encrypted Boundary\r\n",
        "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n--Encrypted Boundary\r\n",
        "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-CredSSP-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u{5}\0\0\0abcde--Encrypted Boundary--\r\n",
        "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u{7f}\0\0\0abc--Encrypted Boundary--\r\n",
        "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u{1}\0\0\0abc",
        "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=-3\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u{1}\0\0\0abc--Encrypted Boundary--\r\n",
    ])
    func malformedBodiesAreErrorsNotCrashes(_ text: String) {
        #expect(throws: SealedMessageError.self) { try SealedMessage.parse(Array(text.utf8), contentType: nil) }
    }

    @Test func negotiateHeaders() {
        #expect(NegotiateHeader.authorization([1, 2, 3]) == "Negotiate AQID")
        #expect(NegotiateHeader.token(in: ["Basic realm=\"WSMAN\"", "Negotiate AQID"]) == [1, 2, 3])
        #expect(NegotiateHeader.token(in: ["Negotiate"]) == [])
        #expect(NegotiateHeader.token(in: ["NegotiateX AQID"]) == nil)
        #expect(NegotiateHeader.token(in: ["Negotiate !!!"]) == nil)
        #expect(NegotiateHeader.schemes(in: ["Negotiate", "Kerberos", "Basic realm=\"WSMAN\""]) == [
            "Negotiate", "Kerberos", "Basic",
        ])
    }

    @Test func kerberosTextsAreClassified() {
        let cases: [(String, SecurityError.Code)] = [
            ("Unspecified GSS failure; Clock skew too great", .clockSkew),
            ("Unspecified GSS failure; Server HTTP/h@R not found in Kerberos database", .unknownService),
            ("Client agent@R not found in Kerberos database", .unknownClient),
            ("Unspecified GSS failure; Ticket expired", .expired),
            ("No credentials were supplied; SPNEGO cannot find mechanisms to negotiate", .noCredentials),
            ("Cannot contact any KDC for realm 'R'", .kdcUnreachable),
            ("Key table file '/x' not found", .keytab),
            ("An unsupported mechanism was requested", .noCommonMechanism),
        ]
        for (text, code) in cases {
            #expect(SecurityError.classify(status: CGSS_Status(), text: text) == code, "\(text)")
        }
    }
}
