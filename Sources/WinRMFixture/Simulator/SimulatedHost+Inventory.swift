import Foundation

extension SimulatedHost {
    /// The inventory `winrm-fixture simulate` starts with when no `--state` is given:
    ///
    /// * `i-2-17-VM` — running, ROOT + DATA disk, checkpoints `…_VS_20261127101500` (disk only) →
    ///   `…_VS_20261127113000` (memory, current): the VM of `shared/cloudstack-samples/`.
    /// * `i-2-18-VM` — off, ROOT + DATA disk, no checkpoints.
    public static func defaultInventory(now: Double = Date().timeIntervalSince1970) -> SimulatedHost {
        var host = SimulatedHost()
        host.addVM(
            name: "i-2-17-VM", id: "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F", state: 2,
            disks: [
                (#"C:\ClusterStorage\Volume1\19ae8e67-cb2c-4ab4-901e-e0b864272b59.vhdx"#, 21_474_836_480),
                (#"C:\ClusterStorage\Volume1\5d2a4c1e-0f6b-4b8e-9a51-3c7e2f1d9b04.vhdx"#, 10_737_418_240),
            ])
        host.takeCheckpoint(
            vmID: "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F", name: "i-2-17-VM_VS_20261127101500", memory: false,
            at: now - 7200, id: "7C1E2D3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F")
        host.takeCheckpoint(
            vmID: "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F", name: "i-2-17-VM_VS_20261127113000", memory: true,
            at: now - 3600, id: "9D8C7B6A-5F4E-4D3C-8B2A-1F0E9D8C7B6A")
        host.addVM(
            name: "i-2-18-VM", id: "6E5D4C3B-2A19-4F8E-8D7C-6B5A4F3E2D1C", state: 3,
            disks: [
                (#"C:\ClusterStorage\Volume1\0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0.vhdx"#, 21_474_836_480),
                (#"C:\ClusterStorage\Volume1\1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d.vhdx"#, 5_368_709_120),
            ])
        return host
    }

    /// Adds a VM with one base `.vhdx` per disk (`(path, virtual size)`).
    public mutating func addVM(
        name: String, id: String = GUID.make(), state: Int, disks: [(String, Int64)], userSnapshotType: Int = 5
    ) {
        var vm = VM(name: name, id: id, state: state, disks: [])
        vm.userSnapshotType = userSnapshotType
        for (slot, disk) in disks.enumerated() {
            files.append(DiskFile(path: disk.0, parentPath: nil, fileSize: 1 << 30, maxInternalSize: disk.1))
            vm.disks.append(Disk(slot: slot, activePath: disk.0))
        }
        vms.append(vm)
    }
}
