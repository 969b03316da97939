/// One virtual hard disk of a VM: the file it writes to now and the differencing chain down to the base.
public struct VirtualDisk: Sendable, Equatable, Codable {
    /// Full path of the file the VM writes to.
    public var activePath: String
    /// Full paths from the active file down to the base `.vhdx`.
    public var chain: [String]
    /// Bytes held by the differencing files of the chain (every file that has a parent; the base is excluded).
    public var differencingBytes: Int64

    public init(activePath: String, chain: [String], differencingBytes: Int64) {
        self.activePath = activePath
        self.chain = chain
        self.differencingBytes = differencingBytes
    }

    /// File name of a Windows path (`C:\a\b.avhdx` → `b.avhdx`).
    public static func fileName(_ path: String) -> String {
        String(path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last ?? Substring(path))
    }

    public var activeFileName: String { Self.fileName(activePath) }
    public var chainFileNames: [String] { chain.map(Self.fileName) }
    /// File name of the base disk at the bottom of the chain.
    public var baseFileName: String { Self.fileName(chain.last ?? activePath) }
}

/// A VM's disks and memory size, as needed for CloudStack's volume answers.
public struct VMStorage: Sendable, Equatable, Codable {
    public var disks: [VirtualDisk]
    /// Startup memory (`Msvm_MemorySettingData.VirtualQuantity`, MiB), the size of a saved memory state.
    public var memoryMB: Int

    public init(disks: [VirtualDisk], memoryMB: Int) {
        self.disks = disks
        self.memoryMB = memoryMB
    }
}
