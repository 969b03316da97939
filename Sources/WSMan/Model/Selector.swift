import XMLSupport

/// One `w:Selector` (a key property and its value).
public struct Selector: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
    public var description: String { "\(name)=\(value)" }
}

/// Writes and reads `w:SelectorSet`.
public enum SelectorSet {
    /// Appends `<w:SelectorSet><w:Selector Name="…">…</w:Selector>…</w:SelectorSet>` to `parent`.
    public static func write(_ selectors: [Selector], into parent: XMLElement) {
        let set = parent.addChild("SelectorSet", namespace: NS.wsman)
        for selector in selectors {
            set.addChild("Selector", namespace: NS.wsman, text: selector.value).setAttribute("Name", selector.name)
        }
    }

    /// Reads the selectors of a `w:SelectorSet` element, in document order, values trimmed.
    public static func read(_ set: XMLElement) -> [Selector] {
        set.children("Selector", namespace: NS.wsman.uri).map {
            Selector($0.attribute("Name") ?? "", $0.text.trimmedXMLWhitespace)
        }
    }
}

extension String {
    /// Without leading/trailing XML whitespace (space, tab, CR, LF).
    public var trimmedXMLWhitespace: String {
        var slice = Substring(self)
        while let c = slice.first, c == " " || c == "\n" || c == "\r" || c == "\t" || c == "\r\n" {
            slice.removeFirst()
        }
        while let c = slice.last, c == " " || c == "\n" || c == "\r" || c == "\t" || c == "\r\n" { slice.removeLast() }
        return String(slice)
    }
}
