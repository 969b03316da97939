import Synchronization

/// Removes host names, user names and passwords from recorded text. It learns Windows computer names seen in
/// WMI object paths (`\\NAME\root\…`) and `Machine="NAME"` attributes and scrubs them everywhere after.
public final class Scrubber: Sendable {
    private let replacements: Mutex<[(String, String)]>

    /// - Parameters: the endpoint host, the user name and the password of the recorded session.
    public init(host: String?, username: String?, password: String?) {
        var list: [(String, String)] = []
        if let password, !password.isEmpty { list.append((password, "PASSWORD")) }
        if let username, !username.isEmpty {
            list.append((username, "USER"))
            if let user = username.split(separator: "\\").last, user.count < username.count {
                list.append((String(user), "USER"))
            }
        }
        if let host, !host.isEmpty, host != "127.0.0.1", host != "localhost" { list.append((host, "HOST")) }
        replacements = Mutex(list)
    }

    public func scrub(_ text: String) -> String {
        learnComputerNames(in: text)
        var result = text
        for (secret, placeholder) in replacements.withLock({ $0 }) {
            result = result.replacingAll(secret, with: placeholder)
        }
        return result
    }

    private func learnComputerNames(in text: String) {
        var names: [String] = []
        for marker in ["Machine=\"", "\\\\"] {
            var rest = Substring(text)
            while let range = rest.range(of: marker) {
                let after = rest[range.upperBound...]
                let terminator: Set<Character> = marker == "\\\\" ? ["\\", "\"", "<", "&"] : ["\""]
                let name = after.prefix { !terminator.contains($0) }
                if marker == "\\\\", !after.dropFirst(name.count).lowercased().hasPrefix("\\root") {
                    rest = after
                    continue
                }
                if !name.isEmpty, name.count < 64, name != "HOST" { names.append(String(name)) }
                rest = after
            }
        }
        guard !names.isEmpty else { return }
        replacements.withLock { list in
            for name in Set(names) where !list.contains(where: { $0.0 == name }) { list.append((name, "HOST")) }
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
