import Foundation
import Testing
import XMLSupport

@Suite struct XMLBuilderTests {
    let one = XMLNamespace(prefix: "o", uri: "urn:one")
    let two = XMLNamespace(prefix: "t", uri: "urn:two")

    @Test(arguments: [
        #"plain"#, #"quote " and apostrophe '"#, "<tag> & ampersand &amp; ]]>", "ünïcødé ✓ 日本語", "a'b\\c",
        "' OR 1=1 --",
    ])
    func textAndAttributesRoundTripEscaped(value: String) throws {
        let document = XMLDocument.create(root: "root", namespace: one)
        let child = document.root!.addChild("child", namespace: two, text: value)
        child.setAttribute("Name", value)
        let text = try document.serializedString()
        let reparsed = try XMLDocument.parse(text)
        let element = try #require(reparsed.root?.child("child", namespace: "urn:two"))
        #expect(element.text == value)
        #expect(element.attribute("Name") == value)
    }

    @Test func namespacesAreDeclaredOnceAndReused() throws {
        let document = XMLDocument.create(root: "root", namespace: one, declaring: [two])
        let a = document.root!.addChild("a", namespace: two)
        a.addChild("b", namespace: two, text: "x")
        let text = try document.serializedString()
        #expect(text.components(separatedBy: "xmlns:t=").count == 2)
        #expect(try document.string("/o:root/t:a/t:b", namespaces: ["o": "urn:one", "t": "urn:two"]) == "x")
    }

    @Test func xpathReturnsTypedResults() throws {
        let document = try XMLDocument.parse(#"<r xmlns="urn:x"><i>1</i><i>2</i><i>3</i></r>"#)
        let ns = ["x": "urn:x"]
        #expect(try document.nodes("//x:i", namespaces: ns).map(\.text) == ["1", "2", "3"])
        #expect(try document.xpath("count(//x:i)", namespaces: ns).stringValue == "3")
        #expect(try document.xpath("sum(//x:i) = 6", namespaces: ns).stringValue == "true")
        #expect(throws: XMLError(code: .xpath, message: "")) { try document.xpath("//x:i[", namespaces: ns) }
    }

    @Test func copyingAnElementKeepsItsNamespaces() throws {
        let source = try XMLDocument.parse(#"<p:A xmlns:p="urn:p"><p:B>v</p:B></p:A>"#)
        let target = XMLDocument.create(root: "root", namespace: one)
        target.root!.addCopy(of: source.root!)
        let reparsed = try XMLDocument.parse(try target.serializedString())
        #expect(reparsed.root?.child("A", namespace: "urn:p")?.child("B", namespace: "urn:p")?.text == "v")
    }
}
