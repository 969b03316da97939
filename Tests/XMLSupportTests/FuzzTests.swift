import Testing
import XMLSupport

/// Seeded mutation fuzzing: random byte flips, truncations and splices of valid documents must give a
/// document or an XMLError, never a crash or a hang.
@Suite struct XMLFuzzTests {
    static let seeds = [
        #"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:Action>x</a:Action></s:Header><s:Body><p:X xmlns:p="urn:p" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><p:A xsi:nil="true"/><p:B>&lt;1&amp;</p:B></p:X></s:Body></s:Envelope>"#,
        #"<INSTANCE CLASSNAME="Msvm_X"><PROPERTY NAME="A" TYPE="string"><VALUE>v</VALUE></PROPERTY><PROPERTY.ARRAY NAME="B" TYPE="uint16"><VALUE.ARRAY><VALUE>1</VALUE></VALUE.ARRAY></PROPERTY.ARRAY></INSTANCE>"#,
    ]

    @Test func mutatedDocumentsNeverCrash() throws {
        var generator = SplitMix64(seed: 0xC0FFEE)
        var parsed = 0
        for round in 0..<3000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1:
                    bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...20, using: &generator)))
                case 2:
                    bytes.insert(
                        contentsOf: Array("<!DOCTYPE x [<!ENTITY e 'e'>]>&e;<![CDATA[".utf8).shuffled(using: &generator)
                            .prefix(6), at: index)
                default: bytes.insert(contentsOf: bytes[index..<min(bytes.count, index + 30)], at: index)
                }
                if bytes.isEmpty { bytes = [0x3C] }
            }
            do {
                let document = try XMLDocument.parse(bytes)
                parsed += 1
                // A parsed document has a root whose subtree can be walked.
                let root = try #require(document.root, "round \(round): parsed without a root")
                _ = root.children.map(\.text)
            } catch let error as XMLError {
                #expect(!error.message.isEmpty, "round \(round): an XMLError says what is wrong")
            }
        }
        #expect(parsed > 0)
    }
}

/// A small deterministic generator, so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
