import CloudStack
import Foundation
import Testing

@Suite struct CommandDecodingTests {
    @Test func everySampleDecodesWithGSONEscapes() throws {
        let create = try VMSnapshotCommand(Commands.sample("create"))
        #expect(create.vmName == "i-2-17-VM")
        #expect(create.snapshotName == "i-2-17-VM_VS_20261127120000")
        #expect(create.type == .disk && create.quiesce)
        #expect(create.wait == 1800)
        #expect(create.volumes.count == 2)
        #expect(create.target["description"]?.stringValue == "a=b & <c>")
        #expect(create.volumes[0]["size"] == .number("21474836480"))
        #expect(
            create.volumes[0]["dataStore"]?["org.apache.cloudstack.storage.to.PrimaryDataStoreTO"]?["path"]?.stringValue
                == #"C:\ClusterStorage\Volume1"#)
        #expect(try VMSnapshotCommand(Commands.sample("revert")).snapshotName == "i-2-17-VM_VS_20261127101500")
        #expect(try VMSnapshotCommand(Commands.sample("delete")).target["createTime"] == .number("1795784728000"))
    }

    @Test func iso88591BodiesDecode() throws {
        var bytes = Array(#"{"vmName":"caf"#.utf8)
        bytes.append(0xE9)  // é in ISO-8859-1, invalid as UTF-8
        bytes += Array(#"","target":{"snapshotName":"s","type":"Disk"}}"#.utf8)
        let command = try VMSnapshotCommand(try JSONParser.parse(bytes))
        #expect(command.vmName == "café")
    }

    @Test func numbersEchoExactly() throws {
        let value = try JSONParser.parse(Array(#"{"a":9007199254740993,"b":-1.5e3,"c":[true,false,null]}"#.utf8))
        #expect(JSONWriter.string(value) == #"{"a":9007199254740993,"b":-1.5e3,"c":[true,false,null]}"#)
        #expect(value["a"]?.int64Value == 9_007_199_254_740_993)
    }

    @Test func writerEscapesAndRoundTrips() throws {
        let tricky = JSONValue.object([("k\"\\", .string("line\nbreak \u{1} \u{2028} ü ✓ \"q\""))])
        #expect(try JSONParser.parse(JSONWriter.bytes(tricky)) == tricky)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":}", "nul", "{\"a\":1}x", "\"\\x\"", "{\"a\":\"\u{1}\"}",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func malformedJSONIsRejected(text: String) {
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test(arguments: [
        (#"[]"#, "not a JSON object"),
        (#"{"target":{"snapshotName":"s"}}"#, "vmName"),
        (#"{"vmName":5,"target":{"snapshotName":"s"}}"#, "vmName"),
        (#"{"vmName":"v"}"#, "target"),
        (#"{"vmName":"v","target":{"snapshotName":"s","type":"Memory"}}"#, "Disk or DiskAndMemory"),
        (#"{"vmName":"v","target":{"snapshotName":"s"},"volumeTOs":{"a":1}}"#, "volumeTOs"),
        (#"{"vmName":"v","target":{"snapshotName":"s"},"wait":"soon"}"#, "wait"),
    ])
    func wrongShapesAreClearErrors(body: String, mentions: String) throws {
        let error = #expect(throws: VMSnapshotCommand.DecodingError.self) {
            try VMSnapshotCommand(try JSONParser.parse(Array(body.utf8)))
        }
        #expect(error?.description.contains(mentions) == true)
    }

    @Test func dispatcherAnswersBadInputWithTheRightClassOrAStatus() async throws {
        let harness = EngineHarness.make()
        switch await harness.dispatcher.dispatch(
            commandClass: "com.cloud.agent.api.StopCommand", body: Array("{}".utf8))
        {
        case .unknownCommand: break
        default: Issue.record("expected unknownCommand")
        }
        switch await harness.dispatcher.dispatch(commandClass: CommandClass.createVMSnapshot, body: Array("{oops".utf8))
        {
        case .undecodable(let reason): #expect(reason.contains("invalid JSON"))
        default: Issue.record("expected undecodable")
        }
        let (answerClass, answer) = await harness.run(
            CommandClass.deleteVMSnapshot, .object([("vmName", .string("x"))]))
        #expect(answerClass == AnswerClass.deleteVMSnapshot)
        #expect(!answer.result)
        #expect(answer.details.contains("DeleteVMSnapshotCommand rejected"))
    }
}
