import WSMan

/// Reads a VM's disks: the realized settings' `Msvm_StorageAllocationSettingData` (1 round trip; the memory
/// setting 1 more, only when asked), then per disk a `GetVirtualHardDiskSettingData` `ParentPath` walk, with
/// `GetVirtualHardDiskState` for the size of each differencing file. Disks are walked concurrently.
/// A host that cannot report a file's size (no `GetVirtualHardDiskState`) costs that size, not the command.
public struct DiskChainReader: Sendable {
    public let client: WSManClient
    /// Guard against a cyclic or absurd chain.
    public var maxDepth = 128

    public init(client: WSManClient) {
        self.client = client
    }

    public func storage(of vm: VirtualMachine, includeMemory: Bool = true) async throws(HyperVError) -> VMStorage {
        func components(_ resultClass: String) async throws(HyperVError) -> [WSManInstance] {
            let query = WQL.associators(
                of: Msvm.virtualSystemSettingData, keys: [Selector("InstanceID", "Microsoft:\(vm.id)")],
                associationClass: "Msvm_VirtualSystemSettingDataComponent", resultClass: resultClass)
            do { return try await client.enumerate(EnumerateRequest(wql: query, maxElements: 256)) } catch {
                throw .wsman(error, doing: "reading the VM's \(resultClass)", vm: vm.name)
            }
        }
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
        let memory =
            includeMemory ? ((try? await components(Msvm.memorySettingData))?.first?.int("VirtualQuantity") ?? 0) : 0
        let reader = self
        let name = vm.name
        let disks: [VirtualDisk]
        do {
            disks = try await withThrowingTaskGroup(of: (Int, VirtualDisk).self) { group in
                for (index, path) in paths.enumerated() {
                    group.addTask { (index, try await reader.chain(from: path, vm: name)) }
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
        return VMStorage(disks: disks, memoryMB: memory)
    }

    /// Walks `ParentPath` from `path` to the base disk.
    public func chain(from path: String, vm: String) async throws(HyperVError) -> VirtualDisk {
        var chain: [String] = []
        var bytes: Int64 = 0
        var current: String? = path
        while let file = current, !file.isEmpty {
            guard chain.count < maxDepth, !chain.contains(where: { $0.caseInsensitiveCompare(file) == .orderedSame })
            else {
                throw HyperVError(
                    .unexpectedAnswer,
                    "the disk chain of \(VirtualDisk.fileName(path)) on VM \(vm) loops or is deeper than \(maxDepth)",
                    vm: vm)
            }
            chain.append(file)
            let settings = try await embedded(
                "GetVirtualHardDiskSettingData", output: "SettingData", path: file, vm: vm)
            let parent = settings["ParentPath"] ?? ""
            if !parent.isEmpty {
                if let size = settings["FileSize"].flatMap({ Int64($0) }) {
                    bytes += size
                } else if let state = try? await embedded(
                    "GetVirtualHardDiskState", output: "State", path: file, vm: vm)
                {
                    bytes += Int64(state["FileSize"] ?? "") ?? 0
                }
            }
            current = parent.isEmpty ? nil : parent
        }
        return VirtualDisk(activePath: path, chain: chain, differencingBytes: bytes)
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
