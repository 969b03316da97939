import CloudStack
import Foundation
import HyperV

/// `listsnapshots`' `message`: always an array (none → `[]`, one → `[{…}]`), oldest first, each
/// `{name, id, created, parent, type, current}`.
enum SnapshotListing {
    static func items(_ tree: CheckpointTree) -> [JSONValue] {
        let ordered = tree.checkpoints.sorted {
            (Self.date($0.createdAt) ?? .distantPast, $0.name) < (Self.date($1.createdAt) ?? .distantPast, $1.name)
        }
        return ordered.map { item($0, in: tree) }
    }

    static func item(_ checkpoint: Checkpoint, in tree: CheckpointTree) -> JSONValue {
        let parent = checkpoint.parentID.flatMap { id in tree.checkpoints.first { $0.id == id }?.name }
        return .object([
            ("name", .string(checkpoint.name)),
            ("id", .string(checkpoint.id)),
            ("created", iso8601(checkpoint.createdAt).map(JSONValue.string) ?? .null),
            ("parent", parent.map(JSONValue.string) ?? .null),
            ("type", .string(checkpoint.hasMemory ? "DiskAndMemory" : "Disk")),
            ("current", .bool(checkpoint.id == tree.currentID)),
        ])
    }

    /// `CreationTime` as ISO 8601 in UTC to the second (`2026-10-08T15:15:36Z`). WS-Man sends `xs:dateTime`
    /// (`2026-10-08T15:15:36.68424Z`); the DMTF form (`20261008151536.684240+060`, offset in minutes) is read
    /// too. Anything else is passed through as sent.
    static func iso8601(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        guard let date = date(value) else { return value }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func date(_ value: String?) -> Date? {
        guard let value else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: value) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: value) ?? dmtf(value)
    }

    /// `yyyymmddHHMMSS.mmmmmmsUUU`.
    static func dmtf(_ value: String) -> Date? {
        let bytes = Array(value.utf8)
        guard bytes.count == 25, bytes[14] == UInt8(ascii: "."),
            bytes[21] == UInt8(ascii: "+") || bytes[21] == UInt8(ascii: "-")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8), let hour = number(8..<10),
            let minute = number(10..<12), let second = number(12..<14), let offset = number(22..<25)
        else { return nil }
        var components = DateComponents(
            timeZone: TimeZone(secondsFromGMT: (bytes[21] == UInt8(ascii: "-") ? -offset : offset) * 60), year: year,
            month: month, day: day, hour: hour, minute: minute, second: second)
        components.calendar = Calendar(identifier: .gregorian)
        return components.date
    }
}
