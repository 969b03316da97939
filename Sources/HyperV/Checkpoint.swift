import Foundation
import WSMan

/// A checkpoint: a `Msvm_VirtualSystemSettingData` of type `Microsoft:Hyper-V:Snapshot:Realized`.
public struct Checkpoint: Sendable, Equatable, Codable {
    /// The checkpoint GUID (`ConfigurationID`; the `InstanceID` without `Microsoft:`).
    public var id: String
    public var instanceID: String
    public var name: String
    /// GUID of the parent checkpoint, from the `Parent` object path.
    public var parentID: String?
    public var vmID: String
    /// `CreationTime` as sent (`cim:Datetime`).
    public var createdAt: String?
    /// Saved memory and device state (`IsSaved`).
    public var hasMemory: Bool

    public init(_ instance: WSManInstance) {
        instanceID = instance.string("InstanceID") ?? ""
        id = instance.string("ConfigurationID") ?? Self.guid(fromInstanceID: instanceID)
        name = instance.string("ElementName") ?? ""
        parentID = instance.string("Parent").flatMap(Self.guid(fromObjectPath:))
        vmID = instance.string("VirtualSystemIdentifier") ?? ""
        createdAt = instance.string("CreationTime")
        hasMemory = instance.bool("IsSaved") ?? false
    }

    public var reference: EndpointReference {
        EndpointReference(
            resourceURI: Msvm.uri(Msvm.virtualSystemSettingData), selectors: [Selector("InstanceID", instanceID)])
    }

    static func guid(fromInstanceID id: String) -> String {
        id.hasPrefix("Microsoft:") ? String(id.dropFirst("Microsoft:".count)) : id
    }

    /// `\\HOST\root\virtualization\v2:Msvm_VirtualSystemSettingData.InstanceID="Microsoft:GUID"` → `GUID`.
    public static func guid(fromObjectPath path: String) -> String? {
        guard let range = path.range(of: "InstanceID=") else { return nil }
        var value = path[range.upperBound...]
        value = value.drop { $0 == "\"" || $0 == "'" }
        let end = value.firstIndex { $0 == "\"" || $0 == "'" } ?? value.endIndex
        let id = String(value[..<end])
        return id.isEmpty ? nil : guid(fromInstanceID: id)
    }
}

/// A VM's checkpoints as a tree, with the current one (what the VM runs on).
public struct CheckpointTree: Sendable, Equatable, Codable {
    public var checkpoints: [Checkpoint]
    public var currentID: String?

    public init(checkpoints: [Checkpoint], currentID: String?) {
        self.checkpoints = checkpoints
        self.currentID = currentID
    }

    public var roots: [Checkpoint] {
        checkpoints.filter { cp in cp.parentID == nil || !checkpoints.contains { $0.id == cp.parentID } }
    }

    public func children(of id: String) -> [Checkpoint] { checkpoints.filter { $0.parentID == id } }

    /// Ids of every checkpoint below `id` (children, their children, …).
    public func descendants(of id: String) -> [String] {
        var result: [String] = []
        var pending = [id]
        while let next = pending.popLast() {
            for child in children(of: next) where !result.contains(child.id) && child.id != id {
                result.append(child.id)
                pending.append(child.id)
            }
        }
        return result
    }

    public func named(_ name: String) -> [Checkpoint] { checkpoints.filter { $0.name == name } }

    /// Indented text, current checkpoint marked with `*` (and `[memory]` for saved state).
    public func rendered() -> String {
        var lines: [String] = []
        func visit(_ checkpoint: Checkpoint, depth: Int) {
            let current = checkpoint.id == currentID ? "   <- current (the VM runs on it)" : ""
            lines.append(
                String(repeating: "   ", count: depth) + "└─ " + checkpoint.name
                    + (checkpoint.hasMemory ? " [memory]" : "") + "  {\(checkpoint.id)}" + current)
            for child in children(of: checkpoint.id) { visit(child, depth: depth + 1) }
        }
        for root in roots { visit(root, depth: 0) }
        if currentID == nil { lines.append("(no current checkpoint: the VM runs on its base disks)") }
        return lines.joined(separator: "\n")
    }
}
