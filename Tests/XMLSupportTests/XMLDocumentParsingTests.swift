import Testing
import XMLSupport

@Suite struct XMLDocumentParsingTests {
    @Test func parsesWellFormedDocumentAndReadsByNamespace() throws {
        let document = try XMLDocument.parse(#"<x:a xmlns:x="urn:one"><y:b xmlns:y="urn:two">hi &amp; bye</y:b></x:a>"#)
        let root = try #require(document.root)
        #expect(root.localName == "a")
        #expect(root.namespaceURI == "urn:one")
        #expect(root.child("b", namespace: "urn:two")?.text == "hi & bye")
        #expect(root.child("b", namespace: "urn:one") == nil)
    }

    @Test func prefixesDoNotMatterOnlyURIs() throws {
        let first = try XMLDocument.parse(#"<s:E xmlns:s="urn:s"><s:B>1</s:B></s:E>"#)
        let second = try XMLDocument.parse(#"<env:E xmlns:env="urn:s"><env:B>1</env:B></env:E>"#)
        #expect(first.root?.child("B", namespace: "urn:s")?.text == second.root?.child("B", namespace: "urn:s")?.text)
    }

    @Test func malformedDocumentReportsLine() {
        #expect {
            try XMLDocument.parse("<a>\n<b></a>")
        } throws: { error in
            guard let error = error as? XMLError else { return false }
            return error.code == .malformed && error.line != nil
        }
    }

    @Test func emptyDocumentIsRefused() {
        #expect(throws: XMLError(code: .malformed, message: "")) { try XMLDocument.parse([UInt8]()) }
    }

    @Test func oversizedDocumentIsRefusedBeforeParsing() {
        let big = "<a>" + String(repeating: "x", count: 2_000) + "</a>"
        #expect(throws: XMLError(code: .tooLarge, message: "")) { try XMLDocument.parse(big, maxBytes: 1_000) }
        #expect(throws: Never.self) { try XMLDocument.parse(big, maxBytes: 10_000) }
    }

    @Test func externalEntityDocumentIsRefused() {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
            <foo>&xxe;</foo>
            """
        #expect(throws: XMLError(code: .doctypeRefused, message: "")) { try XMLDocument.parse(xxe) }
    }

    @Test func billionLaughsIsRefused() {
        var entities = #"<!ENTITY lol "lol">"#
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">"
        }
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [\(entities)]><lolz>&lol9;</lolz>"
        #expect(throws: XMLError(code: .doctypeRefused, message: "")) { try XMLDocument.parse(bomb) }
    }

    @Test func undeclaredEntityReferenceIsMalformedNotExpanded() {
        #expect(throws: XMLError(code: .malformed, message: "")) { try XMLDocument.parse("<a>&undeclared;</a>") }
    }

    @Test func parsesConcurrentlyOnManyTasks() async throws {
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let document = try XMLDocument.parse("<r xmlns=\"urn:x\"><v>\(index)</v></r>")
                    return document.root?.child("v", namespace: "urn:x")?.text ?? ""
                }
            }
            var seen = Set<String>()
            for try await value in group { seen.insert(value) }
            #expect(seen.count == 64)
        }
    }
}
