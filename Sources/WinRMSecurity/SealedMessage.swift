/// WinRM message encryption over HTTP (MS-WSMV §2.2.9.1, §3.2.4.1.5): the SOAP envelope sealed with the connection's
/// SPNEGO context and carried as `multipart/encrypted`:
///
///     --Encrypted Boundary\r\n
///     \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
///     \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plain length>\r\n
///     --Encrypted Boundary\r\n
///     \tContent-Type: application/octet-stream\r\n
///     <header length, 4 bytes little-endian><header><sealed data>--Encrypted Boundary--\r\n
///
/// The header is the NTLM signature (16 bytes) or the Kerberos wrap token header; Kerberos padding, if any, follows
/// the sealed data.
public enum SealedMessage {
    public static let sessionProtocol = "application/HTTP-SPNEGO-session-encrypted"
    public static let boundary = "Encrypted Boundary"
    /// The HTTP `Content-Type` of an encrypted request or answer.
    public static let contentType = "multipart/encrypted;protocol=\"\(sessionProtocol)\";boundary=\"\(boundary)\""
    /// What the sealed content was.
    public static let originalType = "application/soap+xml;charset=UTF-8"

    /// One sealed part, as framed on the wire.
    public struct Part: Sendable, Equatable {
        public var originalLength: Int
        public var header: [UInt8]
        public var sealed: [UInt8]
        public var originalType: String

        public init(originalLength: Int, header: [UInt8], sealed: [UInt8], originalType: String = SealedMessage.originalType) {
            self.originalLength = originalLength
            self.header = header
            self.sealed = sealed
            self.originalType = originalType
        }
    }

    /// Whether an HTTP answer is encrypted (its `Content-Type`).
    public static func isSealed(contentType: String?) -> Bool {
        contentType?.lowercased().hasPrefix("multipart/encrypted") ?? false
    }

    /// The framed body for `parts` (one part for SPNEGO).
    public static func frame(_ parts: [Part]) -> [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array(
                ("--\(boundary)\r\n\tContent-Type: \(sessionProtocol)\r\n"
                    + "\tOriginalContent: type=\(part.originalType);Length=\(part.originalLength)\r\n"
                    + "--\(boundary)\r\n\tContent-Type: application/octet-stream\r\n").utf8)
            let length = UInt32(part.header.count)
            body += [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 24)]
            body += part.header
            body += part.sealed
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return body
    }

    /// The parts of a framed body; `contentType` gives the boundary (default `Encrypted Boundary`).
    public static func parse(_ body: [UInt8], contentType: String?) throws(SealedMessageError) -> [Part] {
        let boundaryText = contentType.flatMap(Self.boundaryParameter) ?? boundary
        let opening = Array("--\(boundaryText)\r\n".utf8)
        let closing = Array("--\(boundaryText)--".utf8)
        let octetHeader = Array("\tContent-Type: application/octet-stream\r\n".utf8)
        var parts: [Part] = []
        var position = 0
        while position < body.count {
            if body[position...].starts(with: closing) { break }
            guard body[position...].starts(with: opening) else {
                throw SealedMessageError(message: "no MIME boundary \"--\(boundaryText)\" at byte \(position)")
            }
            position += opening.count
            // The descriptive part: tab-indented header lines up to the next boundary.
            guard let next = find(opening, in: body, from: position) else {
                throw SealedMessageError(message: "the encrypted message has no data part")
            }
            let description = String(decoding: body[position..<next], as: UTF8.self)
            guard description.contains(sessionProtocol) else {
                throw SealedMessageError(
                    message: "unsupported encryption protocol (expected \(sessionProtocol)): \(description.prefix(120))")
            }
            guard let original = Self.originalContent(description) else {
                throw SealedMessageError(message: "the encrypted message has no OriginalContent length")
            }
            position = next + opening.count
            guard body[position...].starts(with: octetHeader) else {
                throw SealedMessageError(message: "the encrypted data part is not application/octet-stream")
            }
            position += octetHeader.count
            guard position + 4 <= body.count else {
                throw SealedMessageError(message: "the encrypted message ends before its header length")
            }
            let headerLength =
                Int(body[position]) | Int(body[position + 1]) << 8 | Int(body[position + 2]) << 16
                | Int(body[position + 3]) << 24
            position += 4
            guard headerLength <= body.count - position else {
                throw SealedMessageError(message: "the encrypted message's header length \(headerLength) exceeds the body")
            }
            let header = Array(body[position..<position + headerLength])
            position += headerLength
            // The sealed data runs to the next part or to the closing boundary at the end.
            let nextPart = find(opening + Array("\tContent-Type: ".utf8), in: body, from: position)
            let end: Int
            if let nextPart {
                end = nextPart
            } else if let close = findLast(closing, in: body, from: position) {
                end = close
            } else {
                throw SealedMessageError(message: "the encrypted message has no closing boundary")
            }
            parts.append(
                Part(
                    originalLength: original.length, header: header, sealed: Array(body[position..<end]),
                    originalType: original.type))
            position = end
        }
        guard !parts.isEmpty else { throw SealedMessageError(message: "the encrypted message has no part") }
        return parts
    }

    /// Seals a SOAP envelope with `context` into a framed body.
    public static func seal(_ soap: [UInt8], with context: SecurityContext) throws(SecurityError) -> [UInt8] {
        let (header, sealed) = try context.wrap(soap)
        return frame([Part(originalLength: soap.count, header: header, sealed: sealed)])
    }

    /// Opens a framed body with `context`: the SOAP envelope, checked against each part's announced length.
    public static func open(_ body: [UInt8], contentType: String?, with context: SecurityContext) throws -> [UInt8] {
        var plain: [UInt8] = []
        for part in try parse(body, contentType: contentType) {
            let opened = try context.unwrap(header: part.header, sealed: part.sealed)
            guard opened.count == part.originalLength else {
                throw SealedMessageError(
                    message: "decrypted \(opened.count) bytes where OriginalContent announced \(part.originalLength)")
            }
            plain += opened
        }
        return plain
    }

    static func boundaryParameter(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";") {
            let trimmed = parameter.trimmingCharacters(in: .whitespaces)
            guard trimmed.lowercased().hasPrefix("boundary=") else { continue }
            var value = trimmed.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    static func originalContent(_ description: String) -> (type: String, length: Int)? {
        for line in description.split(separator: "\r\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.lowercased().hasPrefix("originalcontent:") else { continue }
            let value = trimmed.dropFirst("originalcontent:".count).trimmingCharacters(in: .whitespaces)
            var type = "application/soap+xml"
            var length: Int?
            var typeParts: [String] = []
            for item in value.split(separator: ";") {
                let field = item.trimmingCharacters(in: .whitespaces)
                if field.lowercased().hasPrefix("length=") {
                    length = Int(field.dropFirst("length=".count))
                } else if field.lowercased().hasPrefix("type=") {
                    typeParts.append(String(field.dropFirst("type=".count)))
                } else {
                    typeParts.append(field)
                }
            }
            if !typeParts.isEmpty { type = typeParts.joined(separator: ";") }
            guard let length, length >= 0 else { return nil }
            return (type, length)
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func findLast(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.count - needle.count
        while index >= start {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index -= 1
        }
        return nil
    }
}

/// A body that is not WinRM's `multipart/encrypted` framing.
public struct SealedMessageError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

import Foundation
