/// The two WQL forms the simulator understands, parsed with real string-literal rules (backslash escapes), so a
/// badly quoted value from a client is an invalid query (as on Windows), never a wider one.
enum WQLQuery: Equatable {
    /// `SELECT * FROM Class [WHERE A = 'v' [AND B = 'w' …]]`
    case select(className: String, conditions: [(String, String)])
    /// `ASSOCIATORS OF {Class.K='v',…} WHERE AssocClass = A ResultClass = R`
    case associators(className: String, keys: [(String, String)], associationClass: String?, resultClass: String?)

    static func == (lhs: WQLQuery, rhs: WQLQuery) -> Bool { String(describing: lhs) == String(describing: rhs) }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    enum Token: Equatable {
        case word(String)
        case literal(String)
        case symbol(Character)
    }

    static func tokenize(_ text: String) throws(ParseError) -> [Token] {
        var tokens: [Token] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
            } else if character == "'" || character == "\"" {
                var value = ""
                var cursor = text.index(after: index)
                var closed = false
                while cursor < text.endIndex {
                    let c = text[cursor]
                    if c == "\\" {
                        cursor = text.index(after: cursor)
                        guard cursor < text.endIndex else { break }
                        value.append(text[cursor])
                    } else if c == character {
                        closed = true
                        break
                    } else {
                        value.append(c)
                    }
                    cursor = text.index(after: cursor)
                }
                guard closed else { throw ParseError(description: "unterminated string literal") }
                tokens.append(.literal(value))
                index = text.index(after: cursor)
            } else if "{}=,.*".contains(character) {
                tokens.append(.symbol(character))
                index = text.index(after: index)
            } else {
                var word = ""
                while index < text.endIndex, !text[index].isWhitespace, !"{}=,.*'\"".contains(text[index]) {
                    word.append(text[index])
                    index = text.index(after: index)
                }
                tokens.append(.word(word))
            }
        }
        return tokens
    }

    static func parse(_ text: String) throws(ParseError) -> WQLQuery {
        var tokens = try tokenize(text)[...]
        func word() throws(ParseError) -> String {
            guard case .word(let value) = tokens.popFirst() else {
                throw ParseError(description: "expected a name in \(text)")
            }
            return value
        }
        func expectWord(_ expected: String) throws(ParseError) {
            guard try word().uppercased() == expected else {
                throw ParseError(description: "expected \(expected) in \(text)")
            }
        }
        func expectSymbol(_ expected: Character) throws(ParseError) {
            guard tokens.popFirst() == .symbol(expected) else {
                throw ParseError(description: "expected '\(expected)' in \(text)")
            }
        }
        func value() throws(ParseError) -> String {
            switch tokens.popFirst() {
            case .literal(let value): return value
            case .word(let value) where Int(value) != nil || ["TRUE", "FALSE"].contains(value.uppercased()):
                return value
            default: throw ParseError(description: "expected a quoted value in \(text)")
            }
        }
        let first = try word().uppercased()
        if first == "SELECT" {
            try expectSymbol("*")
            try expectWord("FROM")
            let className = try word()
            var conditions: [(String, String)] = []
            if !tokens.isEmpty {
                try expectWord("WHERE")
                repeat {
                    if !conditions.isEmpty { try expectWord("AND") }
                    let property = try word()
                    try expectSymbol("=")
                    conditions.append((property, try value()))
                } while !tokens.isEmpty
            }
            return .select(className: className, conditions: conditions)
        }
        guard first == "ASSOCIATORS" else { throw ParseError(description: "unsupported query: \(text)") }
        try expectWord("OF")
        try expectSymbol("{")
        let className = try word()
        try expectSymbol(".")
        var keys: [(String, String)] = []
        repeat {
            if !keys.isEmpty { try expectSymbol(",") }
            let key = try word()
            try expectSymbol("=")
            keys.append((key, try value()))
        } while tokens.first == .symbol(",")
        try expectSymbol("}")
        var association: String?
        var result: String?
        if !tokens.isEmpty {
            try expectWord("WHERE")
            while !tokens.isEmpty {
                let clause = try word().uppercased()
                try expectSymbol("=")
                let name = try word()
                switch clause {
                case "ASSOCCLASS": association = name
                case "RESULTCLASS": result = name
                case "ROLE", "RESULTROLE", "REQUIREDQUALIFIER", "REQUIREDASSOCQUALIFIER": break
                default: throw ParseError(description: "unsupported ASSOCIATORS clause \(clause)")
                }
            }
        }
        return .associators(className: className, keys: keys, associationClass: association, resultClass: result)
    }
}
