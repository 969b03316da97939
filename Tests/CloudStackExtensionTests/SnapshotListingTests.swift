import CloudStack
import HyperV
import Testing
import WSMan

@testable import CloudStackExtension

@Suite struct SnapshotListingTests {
    @Test(arguments: [
        ("2026-10-08T15:15:36.68424Z", "2026-10-08T15:15:36Z"), ("2026-10-08T15:15:36Z", "2026-10-08T15:15:36Z"),
        ("20261008171536.684240+120", "2026-10-08T15:15:36Z"), ("20261008131536.000000-120", "2026-10-08T15:15:36Z"),
        ("not a date", "not a date"),
    ])
    func creationTimeAsISO8601(sent: String, expected: String) {
        #expect(SnapshotListing.iso8601(sent) == expected)
    }

    @Test func itemsCarryParentNamesTypeAndCurrent() throws {
        func checkpoint(_ id: String, _ name: String, parent: String?, created: String, memory: Bool) -> Checkpoint {
            var checkpoint = Checkpoint(
                WSManInstance(className: "Msvm_VirtualSystemSettingData", resourceURI: "", properties: [:]))
            checkpoint.id = id
            checkpoint.name = name
            checkpoint.parentID = parent
            checkpoint.createdAt = created
            checkpoint.hasMemory = memory
            return checkpoint
        }
        let tree = CheckpointTree(
            checkpoints: [
                checkpoint("B", "second", parent: "A", created: "2026-11-02T10:00:00Z", memory: true),
                checkpoint("A", "first", parent: nil, created: "2026-11-01T10:00:00.5Z", memory: false),
            ], currentID: "B")
        let items = SnapshotListing.items(tree)
        #expect(items.map { $0["name"]?.stringValue } == ["first", "second"])
        #expect(items[0]["parent"] == .null)
        #expect(items[1]["parent"]?.stringValue == "first")
        #expect(items[0]["type"]?.stringValue == "Disk" && items[1]["type"]?.stringValue == "DiskAndMemory")
        #expect(items[0]["current"]?.boolValue == false && items[1]["current"]?.boolValue == true)
        #expect(items[0]["created"]?.stringValue == "2026-11-01T10:00:00Z")
        #expect(items[1]["id"]?.stringValue == "B")
        #expect(SnapshotListing.items(CheckpointTree(checkpoints: [], currentID: nil)).isEmpty)
    }
}
