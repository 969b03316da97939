import Foundation

/// The mark a preserved VM carries in its `Notes`. It never contains the word "CloudStack": CloudStack's C# agent
/// scrubs (destroys) Off VMs whose Notes contain it. The original Notes travel inside it (base64), so the host that
/// restores the VM — this one or another that imports it — can put them back.
public enum PreservedNotes {
    static let prefix = "hyperv-agent: preserved across a stop, with its checkpoints - do not delete. notes="

    /// The Notes of a preserved VM whose Notes were `original`.
    public static func mark(original: String) -> String {
        prefix + Data(original.utf8).base64EncodedString()
    }

    /// The original Notes if `notes` is a preservation mark, else nil.
    public static func original(from notes: String) -> String? {
        guard notes.hasPrefix(prefix), let data = Data(base64Encoded: String(notes.dropFirst(prefix.count))) else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }

    public static func isMarked(_ notes: String) -> Bool { original(from: notes) != nil }
}
