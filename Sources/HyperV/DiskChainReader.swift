import WSMan

/// Reads a VM's disks: the realized settings' `Msvm_StorageAllocationSettingData` (1 round trip; the memory
/// setting in parallel, only when asked), then per disk a `GetVirtualHardDiskSettingData` `ParentPath` walk, with
/// `GetVirtualHardDiskState` for the size of each differencing file, both asked in parallel. Disks are walked
/// concurrently. What ``DiskChainCache`` knows is not asked again: a walk reads the active file and the files that
/// froze since the last walk. A host that cannot report a file's size costs that size, not the command.
public struct DiskChainReader: Sendable {
    public let client: WSManClient
    /// Guard against a cyclic or absurd chain.
    public var maxDepth = 128
    /// Frozen files of this host (shared by every copy of this reader).
    public let cache: DiskChainCache

    public init(client: WSManClient, cache: DiskChainCache = DiskChainCache()) {
        self.client = client
        self.cache = cache
    }

    public func storage(of vm: VirtualMachine, includeMemory: Bool = true) async throws(HyperVError) -> VMStorage {
        let reader = self
        async let memoryQuantity: Int = {
            guard includeMemory else { return 0 }
            return (try? await reader.components(Msvm.memorySettingData, of: vm.id, vm: vm.name))?.first?.int(
                "VirtualQuantity") ?? 0
        }()
        let paths = try await diskPaths(ofSettings: vm.id, vm: vm.name)
        let disks: [VirtualDisk]
        do {
            disks = try await withThrowingTaskGroup(of: (Int, VirtualDisk).self) { group in
                for (index, path) in paths.enumerated() {
                    group.addTask { (index, try await reader.chain(from: path, vm: vm)) }
                }
                var result: [(Int, VirtualDisk)] = []
                for try await item in group { result.append(item) }
                return result.sorted { $0.0 < $1.0 }.map(\.1)
            }
        } catch let error as HyperVError {
            throw error
        } catch {
            throw HyperVError(.unexpectedAnswer, "reading the disks of VM \(vm.name) failed: \(error)", vm: vm.name)
        }
        return VMStorage(disks: disks, memoryMB: await memoryQuantity)
    }

    /// The settings' `Msvm_VirtualSystemSettingDataComponent` instances of `resultClass` (1 round trip). Works for a
    /// VM's realized settings (`settingsID` = the VM's GUID) and for a checkpoint's (its GUID).
    func components(_ resultClass: String, of settingsID: String, vm: String) async throws(HyperVError)
        -> [WSManInstance]
    {
        let query = WQL.associators(
            of: Msvm.virtualSystemSettingData, keys: [Selector("InstanceID", "Microsoft:\(settingsID)")],
            associationClass: "Msvm_VirtualSystemSettingDataComponent", resultClass: resultClass)
        do { return try await client.enumerate(EnumerateRequest(wql: query, maxElements: 256)) } catch {
            throw .wsman(error, doing: "reading the \(resultClass) of settings \(settingsID)", vm: vm)
        }
    }

    /// The virtual hard disk files of a VM (its realized settings) or of a checkpoint, in controller order.
    public func diskPaths(ofSettings settingsID: String, vm: String) async throws(HyperVError) -> [String] {
        try await components(Msvm.storageAllocationSettingData, of: settingsID, vm: vm)
            .filter {
                ($0.int("ResourceType") ?? 31) == 31
                    && ($0.string("ResourceSubType") ?? "Microsoft:Hyper-V:Virtual Hard Disk").hasSuffix(
                        "Virtual Hard Disk")
            }
            .sorted {
                ($0.int("AddressOnParent") ?? 0, $0.string("InstanceID") ?? "") < (
                    $1.int("AddressOnParent") ?? 0, $1.string("InstanceID") ?? ""
                )
            }
            .compactMap { $0.strings("HostResource").first }
    }

    /// A chain as it is on disk, for checking it: the files from `path` down, and the first link that points at a
    /// file the host does not have (nothing cached is trusted).
    public struct ChainSurvey: Sendable, Equatable {
        public var files: [String]
        /// `(file, parent)` when `file` names a `parent` that does not exist.
        public var missingParent: (file: String, parent: String)?
        /// `file` itself does not exist (a checkpoint that references a lost file).
        public var startMissing: Bool

        public static func == (lhs: ChainSurvey, rhs: ChainSurvey) -> Bool {
            lhs.files == rhs.files && lhs.missingParent?.file == rhs.missingParent?.file
                && lhs.missingParent?.parent == rhs.missingParent?.parent && lhs.startMissing == rhs.startMissing
        }
    }

    public func survey(from path: String, vm: String) async throws(HyperVError) -> ChainSurvey {
        var files: [String] = []
        var current = path
        while true {
            try checkGrowing(files, with: current, from: path, vm: vm)
            let settings: CIMInstance
            do {
                settings = try await embedded(
                    "GetVirtualHardDiskSettingData", output: "SettingData", path: current, vm: vm)
            } catch  where error.returnCode == ReturnCode.fileNotFound {
                guard let child = files.last else {
                    return ChainSurvey(files: [], missingParent: nil, startMissing: true)
                }
                return ChainSurvey(files: files, missingParent: (child, current), startMissing: false)
            }
            files.append(current)
            guard let parent = settings["ParentPath"], !parent.isEmpty else {
                return ChainSurvey(files: files, missingParent: nil, startMissing: false)
            }
            current = parent
        }
    }

    /// A chain may grow by `next` only if it neither loops back nor passes ``maxDepth``.
    func checkGrowing(_ chain: [String], with next: String, from path: String, vm: String) throws(HyperVError) {
        guard chain.count < maxDepth, !chain.contains(where: { $0.caseInsensitiveCompare(next) == .orderedSame }) else {
            throw HyperVError(
                .unexpectedAnswer,
                "the disk chain of \(VirtualDisk.fileName(path)) on VM \(vm) loops or is deeper than \(maxDepth)",
                vm: vm)
        }
    }

    /// The files with `extension` in the folder of `path`, through root/cimv2 `CIM_DataFile` (1 round trip);
    /// `nil` when the folder is not on a local drive (a share: WMI cannot list it).
    public func files(besides path: String, extension fileExtension: String, vm: String) async throws(HyperVError)
        -> [String]?
    {
        guard let slash = path.lastIndex(of: "\\") else { return nil }
        return try await files(in: String(path[..<slash]), extension: fileExtension, vm: vm)
    }

    /// The files with `extension` in `folder` (`C:\dir\sub`), through root/cimv2 `CIM_DataFile` (1 round trip);
    /// `nil` when the folder is not on a local drive (a share: WMI cannot list it).
    public func files(in folderPath: String, extension fileExtension: String, vm: String) async throws(HyperVError)
        -> [String]?
    {
        let lower = folderPath.lowercased().hasSuffix("\\") ? folderPath.lowercased() : folderPath.lowercased() + "\\"
        guard lower.count > 3, lower.dropFirst().first == ":" else { return nil }
        let drive = String(lower.prefix(2))
        let folder = String(lower.dropFirst(2))
        let query = WQL.select(
            from: "CIM_DataFile", where: [("Drive", drive), ("Path", folder), ("Extension", fileExtension)])
        do {
            return try await client.enumerate(
                EnumerateRequest(wql: query, resourceURI: ResourceURI.cimv2Wildcard, maxElements: 1000)
            ).compactMap { $0.string("Name") }
        } catch {
            throw .wsman(error, doing: "listing the .\(fileExtension) files of \(folder)", vm: vm)
        }
    }

    /// Walks `ParentPath` from `path` (the active file) to the base disk, asking only what the cache does not know.
    public func chain(from path: String, vm: VirtualMachine) async throws(HyperVError) -> VirtualDisk {
        let useCache = !vm.isMerging
        var chain: [String] = []
        var bytes: Int64 = 0
        var current: String? = path
        while let file = current, !file.isEmpty {
            try checkGrowing(chain, with: file, from: path, vm: vm.name)
            let frozen = !chain.isEmpty
            chain.append(file)
            let known = useCache && frozen ? cache.entry(file) : nil
            let (parent, size) = try await describe(file, known: known, vm: vm.name)
            if !parent.isEmpty { bytes += size ?? 0 }
            if useCache { cache.remember(file, vmID: vm.id, parent: parent, frozenSize: frozen ? size : nil) }
            current = parent.isEmpty ? nil : parent
        }
        return VirtualDisk(activePath: path, chain: chain, differencingBytes: bytes)
    }

    /// A file's `ParentPath` and (for a differencing file) its size: from the cache, or `GetVirtualHardDiskSettingData`
    /// and `GetVirtualHardDiskState` asked at the same time (the size is only used when there is a parent).
    func describe(_ file: String, known: DiskChainCache.Entry?, vm: String) async throws(HyperVError)
        -> (parent: String, size: Int64?)
    {
        if let known, known.parent.isEmpty { return ("", nil) }
        if let known, let size = known.frozenSize { return (known.parent, size) }
        let reader = self
        // A `.vhdx` is almost always a base disk (its size is not counted): ask its state only if it has a parent.
        let likelyDifferencing = !file.lowercased().hasSuffix(".vhdx") && !file.lowercased().hasSuffix(".vhd")
        async let early =
            likelyDifferencing
            ? try? reader.embedded("GetVirtualHardDiskState", output: "State", path: file, vm: vm) : nil
        let parent: String
        var sizeFromSettings: Int64?
        if let known {
            parent = known.parent
        } else {
            let settings: CIMInstance
            do {
                settings = try await embedded(
                    "GetVirtualHardDiskSettingData", output: "SettingData", path: file, vm: vm)
            } catch {
                _ = await early
                throw error
            }
            parent = settings["ParentPath"] ?? ""
            sizeFromSettings = settings["FileSize"].flatMap { Int64($0) }
        }
        var state = await early
        if state == nil, !parent.isEmpty, sizeFromSettings == nil, !likelyDifferencing {
            state = try? await embedded("GetVirtualHardDiskState", output: "State", path: file, vm: vm)
        }
        let size = state.flatMap { Int64($0["FileSize"] ?? "") }
        return (parent, sizeFromSettings ?? size)
    }

    func embedded(_ method: String, output name: String, path: String, vm: String) async throws(HyperVError)
        -> CIMInstance
    {
        let request = InvokeRequest(
            resourceURI: Msvm.uri(Msvm.imageManagementService), method: method,
            selectors: Msvm.serviceSelectors(Msvm.imageManagementService), parameters: [.scalar("Path", path)])
        let output: InvokeOutput
        do { output = try await client.invoke(request) } catch {
            throw .wsman(error, doing: "reading disk \(VirtualDisk.fileName(path))", vm: vm)
        }
        guard output.returnValue == 0, let text = output.output.string(name) else {
            let code = output.returnValue ?? -1
            var error = HyperVError(
                .methodFailed,
                "reading disk \(path) of VM \(vm) failed: \(method) returned \(ReturnCode.describe(code))", vm: vm)
            error.returnCode = code
            throw error
        }
        do { return try CIMInstance.parse(cimXML: text) } catch {
            throw HyperVError(
                .unexpectedAnswer, "\(method) for \(path) returned an unreadable \(name): \(error)", vm: vm)
        }
    }
}
