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
        func components(_ resultClass: String) async throws(HyperVError) -> [WSManInstance] {
            let query = WQL.associators(
                of: Msvm.virtualSystemSettingData, keys: [Selector("InstanceID", "Microsoft:\(vm.id)")],
                associationClass: "Msvm_VirtualSystemSettingDataComponent", resultClass: resultClass)
            do { return try await reader.client.enumerate(EnumerateRequest(wql: query, maxElements: 256)) } catch {
                throw .wsman(error, doing: "reading the VM's \(resultClass)", vm: vm.name)
            }
        }
        async let memoryQuantity: Int = {
            guard includeMemory else { return 0 }
            return (try? await components(Msvm.memorySettingData))?.first?.int("VirtualQuantity") ?? 0
        }()
        let storage = try await components(Msvm.storageAllocationSettingData)
        let paths =
            storage
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

    /// Walks `ParentPath` from `path` (the active file) to the base disk, asking only what the cache does not know.
    public func chain(from path: String, vm: VirtualMachine) async throws(HyperVError) -> VirtualDisk {
        let useCache = !vm.isMerging
        var chain: [String] = []
        var bytes: Int64 = 0
        var current: String? = path
        while let file = current, !file.isEmpty {
            guard chain.count < maxDepth, !chain.contains(where: { $0.caseInsensitiveCompare(file) == .orderedSame })
            else {
                throw HyperVError(
                    .unexpectedAnswer,
                    "the disk chain of \(VirtualDisk.fileName(path)) on VM \(vm.name) loops or is deeper than \(maxDepth)",
                    vm: vm.name)
            }
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
