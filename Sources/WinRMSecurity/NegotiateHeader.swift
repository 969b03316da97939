import Foundation

/// `Authorization: Negotiate <base64>` and the tokens of `WWW-Authenticate: Negotiate <base64>` answers.
public enum NegotiateHeader {
    /// The `Authorization` header value for `token`.
    public static func authorization(_ token: [UInt8]) -> String {
        "Negotiate " + Data(token).base64EncodedString()
    }

    /// The token of the first `Negotiate` challenge among `values` (each a `WWW-Authenticate` or `Authorization`
    /// value); `nil` when there is none or it is not base64; `[]` for a bare `Negotiate`.
    public static func token(in values: [String]) -> [UInt8]? {
        for value in values {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard trimmed.lowercased().hasPrefix("negotiate") else { continue }
            let rest = trimmed.dropFirst("negotiate".count)
            guard rest.isEmpty || rest.first == " " else { continue }
            let encoded = rest.trimmingCharacters(in: .whitespaces)
            if encoded.isEmpty { return [] }
            guard let data = Data(base64Encoded: encoded) else { return nil }
            return Array(data)
        }
        return nil
    }

    /// The schemes named by `WWW-Authenticate` values (`Negotiate`, `Kerberos`, `Basic`…).
    public static func schemes(in values: [String]) -> [String] {
        values.compactMap { value in
            value.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).first.map(String.init)
        }
    }
}
