import CloudStack
import Foundation
import Testing

/// Seeded mutation fuzzing of the command decoder: every mutation of the real CloudStack bodies gives a command,
/// a DecodingError or a ParseError — never a crash — and the dispatcher always answers with the right class.
@Suite struct DecoderFuzzTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    @Test func mutatedBodiesNeverCrashTheDecoder() throws {
        var generator = Generator(state: 42)
        let samples = try ["create", "revert", "delete"].map {
            Array(try Data(contentsOf: Bundle.module.resourceURL!.appendingPathComponent("Commands/\($0).json")))
        }
        var decoded = 0
        for round in 0..<3000 {
            var bytes = samples[round % 3]
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = Array("{}[]\",:\\0e-9tfnu".utf8).randomElement(using: &generator)!
                case 1:
                    bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...40, using: &generator)))
                default: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            do {
                let command = try VMSnapshotCommand(try JSONParser.parse(bytes))
                decoded += 1
                #expect(
                    !command.vmName.isEmpty && !command.snapshotName.isEmpty,
                    "round \(round): a decoded command names its VM and snapshot")
            } catch let error as JSONParser.ParseError {
                #expect(error.description.hasPrefix("invalid JSON at byte"), "round \(round)")
            } catch let error as CommandDecodingError {
                #expect(!error.description.isEmpty, "round \(round)")
            }
        }
        #expect(decoded > 0)
    }

    @Test func dispatcherAnswersMutatedBodiesWithItsOwnClass() async throws {
        let harness = EngineHarness.make()
        var generator = Generator(state: 7)
        let sample = Array(
            try Data(contentsOf: Bundle.module.resourceURL!.appendingPathComponent("Commands/delete.json")))
        for _ in 0..<60 {
            var bytes = sample
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            bytes.removeSubrange(index..<min(bytes.count, index + 15))
            switch await harness.dispatcher.dispatch(commandClass: CommandClass.deleteVMSnapshot, body: bytes) {
            case .answered(let answer, _):
                guard case .array(let items) = answer, case .object(let members)? = items.first else {
                    Issue.record("bad answer shape")
                    continue
                }
                #expect(members.first?.0 == AnswerClass.deleteVMSnapshot)
            case .undecodable(let reason): #expect(reason.hasPrefix("invalid JSON at byte"))
            case .unknownCommand: Issue.record("the command class is known")
            }
        }
    }
}
