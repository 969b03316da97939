import CloudStack
import CloudStackExtension
import Testing

@Suite struct ExtensionOutputTests {
    @Test func oneLineOneObject() throws {
        let output = ExtensionOutput.success(
            message: .string("Snapshot 'a\"$(x)\n' created"), [("printmessage", .string("true"))])
        let (text, status) = output.rendered()
        #expect(status == 0)
        #expect(text.hasSuffix("\n") && text.dropLast().contains("\n") == false)
        let parsed = try JSONParser.parse(Array(text.utf8))
        #expect(parsed["status"]?.stringValue == "success")
        #expect(parsed["message"]?.stringValue == "Snapshot 'a\"$(x)\n' created")
        #expect(parsed["printmessage"]?.stringValue == "true")
    }

    @Test func failureIsExitOne() throws {
        let (text, status) = ExtensionOutput.failure(ExtensionError(.missingParameter, "needs snapshot_name"))
            .rendered()
        #expect(status == 1)
        let parsed = try JSONParser.parse(Array(text.utf8))
        #expect(parsed["status"]?.stringValue == "error")
        #expect(parsed["error"]?.stringValue == "needs snapshot_name")
    }

    /// The management server reads the pipe only after exit: an answer above a pipe buffer would hang the run.
    @Test func oversizedAnswerBecomesAnError() throws {
        let items = (0..<2000).map { JSONValue.string("checkpoint-\($0)-" + String(repeating: "x", count: 30)) }
        let (text, status) = ExtensionOutput.success(message: .array(items)).rendered()
        #expect(status == 1)
        #expect(text.utf8.count < ExtensionOutput.maxBytes)
        #expect(try JSONParser.parse(Array(text.utf8))["status"]?.stringValue == "error")
    }
}
