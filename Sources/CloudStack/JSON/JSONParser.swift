/// A strict JSON parser for untrusted command bodies: bounded depth, no trailing garbage, errors with offsets.
public struct JSONParser {
    public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    public static let maxDepth = 64

    /// Decodes the body text: UTF-8 when valid, else ISO-8859-1 (what CloudStack's HttpClient sends).
    public static func decodeText(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        var parser = JSONParser(scalars: Array(decodeText(bytes).unicodeScalars))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.scalars.count else {
            throw ParseError(offset: parser.index, reason: "unexpected data after the value")
        }
        return value
    }

    let scalars: [Unicode.Scalar]
    var index = 0

    mutating func skipWhitespace() {
        while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
    }

    func fail(_ reason: String) -> ParseError { ParseError(offset: index, reason: reason) }

    mutating func value(depth: Int) throws(ParseError) -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth)") }
        guard index < scalars.count else { throw fail("unexpected end") }
        switch scalars[index] {
        case "{": return try object(depth: depth)
        case "[": return try array(depth: depth)
        case "\"": return .string(try string())
        case "t":
            try literal("true")
            return .bool(true)
        case "f":
            try literal("false")
            return .bool(false)
        case "n":
            try literal("null")
            return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: String) throws(ParseError) {
        for scalar in word.unicodeScalars {
            guard index < scalars.count, scalars[index] == scalar else { throw fail("expected \(word)") }
            index += 1
        }
    }

    mutating func number() throws(ParseError) -> JSONValue {
        let start = index
        if index < scalars.count, scalars[index] == "-" { index += 1 }
        var digits = 0
        while index < scalars.count,
            ("0"..."9").contains(scalars[index]) || [".", "e", "E", "+", "-"].contains(scalars[index])
        {
            index += 1
            digits += 1
        }
        let text = String(String.UnicodeScalarView(scalars[start..<index]))
        guard digits > 0, digits <= 40, Double(text) != nil else {
            index = start
            throw fail("expected a value")
        }
        return .number(text)
    }

    mutating func string() throws(ParseError) -> String {
        index += 1
        var result = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "\"": return String(result)
            case "\\":
                guard index < scalars.count else { throw fail("unterminated escape") }
                let escape = scalars[index]
                index += 1
                switch escape {
                case "\"": result.append("\"")
                case "\\": result.append("\\")
                case "/": result.append("/")
                case "b": result.append("\u{8}")
                case "f": result.append("\u{C}")
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "u":
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code), index + 1 < scalars.count, scalars[index] == "\\",
                        scalars[index + 1] == "u"
                    {
                        index += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    result.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: throw fail("bad escape \\\(escape)")
                }
            default:
                guard scalar.value >= 0x20 else { throw fail("control character in a string") }
                result.append(scalar)
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(ParseError) -> UInt32 {
        guard index + 4 <= scalars.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = UInt32(String(scalars[index]), radix: 16) else { throw fail("bad \\u escape") }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    mutating func array(depth: Int) throws(ParseError) -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < scalars.count, scalars[index] == "]" {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            guard index < scalars.count else { throw fail("unterminated array") }
            if scalars[index] == "]" {
                index += 1
                return .array(items)
            }
            guard scalars[index] == "," else { throw fail("expected , or ]") }
            index += 1
        }
    }

    mutating func object(depth: Int) throws(ParseError) -> JSONValue {
        index += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if index < scalars.count, scalars[index] == "}" {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < scalars.count, scalars[index] == "\"" else { throw fail("expected a key") }
            let key = try string()
            skipWhitespace()
            guard index < scalars.count, scalars[index] == ":" else { throw fail("expected :") }
            index += 1
            skipWhitespace()
            let item = try value(depth: depth + 1)
            if let existing = members.firstIndex(where: { $0.0 == key }) {
                members[existing].1 = item
            } else {
                members.append((key, item))
            }
            skipWhitespace()
            guard index < scalars.count else { throw fail("unterminated object") }
            if scalars[index] == "}" {
                index += 1
                return .object(members)
            }
            guard scalars[index] == "," else { throw fail("expected , or }") }
            index += 1
        }
    }
}
