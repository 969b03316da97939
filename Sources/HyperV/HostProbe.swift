import WSMan

/// What `hyperv-agent probe` reports about a host: WinRM identity, Hyper-V host name, VMs and their checkpoint types.
public struct HostProbeReport: Sendable, Equatable, Codable {
    public var endpoint: String
    public var productVendor: String
    public var productVersion: String
    public var protocolVersion: String
    public var hostName: String?
    public var virtualMachines: Int
    /// VM count per checkpoint type (`Standard`, `Production`, `ProductionOnly`, `Disabled`).
    public var checkpointTypes: [String: Int]
    /// Requests sent for this probe.
    public var roundTrips: Int
    /// VMs kept across a CloudStack stop (their Notes carry hyperv-agent's mark).
    public var preservedVMs: Int = 0
}

/// Connectivity, authentication and Hyper-V inventory in three round trips: Identify, all `Msvm_ComputerSystem`,
/// all realized `Msvm_VirtualSystemSettingData` (each an optimized enumeration).
public struct HostProbe: Sendable {
    public let client: WSManClient

    public init(client: WSManClient) {
        self.client = client
    }

    public func run() async throws(HyperVError) -> HostProbeReport {
        do {
            return try await probe()
        } catch {
            throw .wsman(error, doing: "probing \(client.transport.endpoint)")
        }
    }

    func probe() async throws(WSManError) -> HostProbeReport {
        let counting = CountingTransport(base: client.transport)
        var client = self.client
        client = WSManClient(transport: counting, messageID: self.client.messageID)
        let identity = try await client.identify()
        let systems = try await client.enumerate(
            EnumerateRequest(wql: WQL.select(from: Msvm.computerSystem), maxElements: 1000))
        let settings = try await client.enumerate(
            EnumerateRequest(
                wql: WQL.select(from: Msvm.virtualSystemSettingData, where: [("VirtualSystemType", Msvm.realizedType)]),
                maxElements: 1000))
        var types: [String: Int] = [:]
        for setting in settings {
            let type = setting.int("UserSnapshotType").flatMap(CheckpointType.init(rawValue:))?.description ?? "Unknown"
            types[type, default: 0] += 1
        }
        let host = systems.first { $0.string("Description") == Msvm.hostDescription }
        return HostProbeReport(
            endpoint: client.transport.endpoint, productVendor: identity.productVendor,
            productVersion: identity.productVersion,
            protocolVersion: identity.protocolVersion, hostName: host?.string("ElementName"),
            virtualMachines: systems.filter { $0.string("Description") == Msvm.vmDescription }.count,
            checkpointTypes: types,
            roundTrips: counting.roundTrips,
            preservedVMs: settings.filter { PreservedNotes.isMarked($0.string("Notes") ?? "") }.count)
    }
}
