import Testing
import WSMan

@Suite struct WQLTests {
    @Test func literalEscapesQuoteAndBackslash() {
        #expect(WQL.literal(#"a'b\c"#) == #"'a\'b\\c'"#)
        #expect(WQL.literal("plain") == "'plain'")
        #expect(WQL.literal("") == "''")
        #expect(WQL.literal(#"\'"#) == #"'\\\''"#)
    }

    @Test func injectionAttemptStaysInsideOneLiteral() {
        let query = WQL.select(from: "Msvm_ComputerSystem", where: [("ElementName", "x' OR '1'='1")])
        // Every quote of the value is escaped: outside the literal only the two delimiters remain.
        let unescapedQuotes = query.replacingBackslashEscapes().filter { $0 == "'" }.count
        #expect(unescapedQuotes == 2)
    }

    @Test func associatorsQuotesKeys() {
        let query = WQL.associators(
            of: "Msvm_ComputerSystem",
            keys: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", "G'1")],
            associationClass: "Msvm_SnapshotOfVirtualSystem", resultClass: "Msvm_VirtualSystemSettingData")
        #expect(
            query
                == #"ASSOCIATORS OF {Msvm_ComputerSystem.CreationClassName='Msvm_ComputerSystem',Name='G\'1'} WHERE AssocClass = Msvm_SnapshotOfVirtualSystem ResultClass = Msvm_VirtualSystemSettingData"#
        )
    }

    @Test func cimDatetimeFormatting() {
        #expect(CIMDatetime.string(secondsSince1970: 0) == "19700101000000.000000+000")
        #expect(CIMDatetime.string(secondsSince1970: 1_795_784_728.5) == "20261127130528.500000+000")
    }
}

extension String {
    /// Drops every backslash-escaped character pair (`\'`, `\\`).
    func replacingBackslashEscapes() -> String {
        var result = ""
        var escaping = false
        for character in self {
            if escaping {
                escaping = false
                continue
            }
            if character == "\\" {
                escaping = true
                continue
            }
            result.append(character)
        }
        return result
    }
}
