/// `CbtHardeningLevel=Strict` for NTLM: gss-ntlmssp, like Windows' Relaxed level, accepts an AUTHENTICATE message
/// without channel bindings; a strict host refuses it. This finds the NTLM AUTHENTICATE message inside a SPNEGO
/// token and reads its `MsvAvChannelBindings` AV pair (MS-NLMP §2.2.1.3, §2.2.2.1, §2.2.2.7).
enum NTLMChannelBindingCheck {
    /// `nil`: the token holds no NTLM AUTHENTICATE message (a NEGOTIATE, or Kerberos); otherwise whether it carries
    /// non-zero channel bindings.
    static func bindingsPresent(in token: [UInt8]) -> Bool? {
        let signature: [UInt8] = Array("NTLMSSP".utf8) + [0]
        guard let start = find(signature, in: token) else { return nil }
        let message = Array(token[start...])
        guard message.count >= 28, uint32(message, 8) == 3 else { return nil }
        // NtChallengeResponseFields: length (2), maximum length (2), offset (4) at byte 20.
        let length = Int(uint16(message, 20))
        let offset = Int(uint32(message, 24))
        // NTLMv2: NTProofStr (16), then RespType, HiRespType, Reserved (6), TimeStamp (8), client challenge (8),
        // Reserved (4), then the AV pairs.
        let pairsStart = offset + 16 + 28
        guard length > 16 + 28, offset + length <= message.count else { return false }
        var position = pairsStart
        while position + 4 <= offset + length {
            let id = uint16(message, position)
            let size = Int(uint16(message, position + 2))
            position += 4
            if id == 0 { break }  // MsvAvEOL
            guard position + size <= offset + length else { return false }
            if id == 0x000A {  // MsvAvChannelBindings: an MD5 hash, all zero when the client had none
                return message[position..<position + size].contains { $0 != 0 }
            }
            position += size
        }
        return false
    }

    private static func uint16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    private static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return nil
    }
}
