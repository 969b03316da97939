import Foundation
import WSMan
import XMLSupport

/// A stateful Hyper-V host behind WS-Man: VMs, checkpoint trees, differencing-disk chains, asynchronous jobs,
/// and the rejections real hosts give to malformed clients.
public actor HyperVSimulator: WSManResponder, FixtureInspector {
    public struct Configuration: Sendable {
        /// How long checkpoint and power jobs (CreateSnapshot, ApplySnapshot, DestroySnapshot(Tree),
        /// ClearSnapshotState, RequestStateChange) run before completing (0: completes before its first poll).
        public var jobDelayMilliseconds: Int = 0
        /// How long `ModifySystemSettings` jobs run (checkpoint type, renames). 0: the method completes at once
        /// (ReturnValue 0, no job); above 0 it returns 4096 and a job, as real hosts do.
        public var settingsDelayMilliseconds: Int = 0
        /// The cost of one request on the wire (half before the host handles it, half after), as on a real host.
        public var latencyMilliseconds: Int = 0
        /// How latency is spent (tests pass their manual clock's sleep).
        public var sleep: @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
        /// How long the background disk merge after a checkpoint deletion runs (OperationalStatus 32772).
        public var mergeDelayMilliseconds: Int = 0
        /// `xml:lang` of responses (a real Japanese host sends `ja-JP`).
        public var language: String = "en-US"
        /// Hyper-V's limit of checkpoints per VM.
        public var maxCheckpointsPerVM: Int = 50
        /// The host's clock, in seconds since 1970: jobs, merges and timestamps follow it (tests pass a clock they
        /// control).
        public var clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }
        /// Primary storage: where exports go; share one between two simulators for VMs that move between hosts.
        public var storage = SharedStorage()
        public init() {}
    }

    public internal(set) var host: SimulatedHost
    var configuration: Configuration
    let faults: FaultInjector
    let envelope: ResponseEnvelope
    var jobs: [String: SimulatedJob] = [:]
    var jobOrder: [String] = []
    var contexts: [String: [FixtureInstance]] = [:]
    var contextOrder: [String] = []
    /// Invoke calls received, by method name (for round-trip assertions in tests).
    public private(set) var invocations: [String] = []

    public init(
        host: SimulatedHost = .defaultInventory(), configuration: Configuration = Configuration(),
        faults: FaultInjector = FaultInjector()
    ) {
        self.host = host
        self.configuration = configuration
        self.faults = faults
        self.envelope = ResponseEnvelope(language: configuration.language)
    }

    /// The real-host cost model now in force.
    public var costModel: CostModel {
        CostModel(
            latencyMilliseconds: configuration.latencyMilliseconds,
            jobDelayMilliseconds: configuration.jobDelayMilliseconds,
            settingsDelayMilliseconds: configuration.settingsDelayMilliseconds,
            mergeDelayMilliseconds: configuration.mergeDelayMilliseconds)
    }

    /// Changes the cost model at run time (jobs already started keep their duration).
    public func setCostModel(_ model: CostModel) {
        configuration.latencyMilliseconds = model.latencyMilliseconds
        configuration.jobDelayMilliseconds = model.jobDelayMilliseconds
        configuration.settingsDelayMilliseconds = model.settingsDelayMilliseconds
        configuration.mergeDelayMilliseconds = model.mergeDelayMilliseconds
    }

    /// `POST /fixture/cost`: the keys given change, the others stay.
    public func applyCostModel(json: [UInt8]) throws(CostModelError) -> CostModel {
        let model = try costModel.updated(json: json)
        setCostModel(model)
        return model
    }

    public func loadState(json: [UInt8]) throws {
        host = try JSONDecoder().decode(SimulatedHost.self, from: Data(json))
    }

    /// Replaces the whole state (tests).
    public func load(_ state: SimulatedHost) { host = state }

    /// Direct state edits for test setup (not through WS-Man).
    public func mutate(_ change: @Sendable (inout SimulatedHost) -> Void) { change(&host) }

    public func stateJSON() async -> [UInt8] {
        advance()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array((try? encoder.encode(host)) ?? Data("{}".utf8))
    }

    var now: Double { configuration.clock() }

    // MARK: request routing

    public func respond(to bytes: [UInt8]) async -> FixtureResponse {
        let latency = Duration.milliseconds(configuration.latencyMilliseconds)
        guard latency > .zero else { return handle(bytes) }
        let sleep = configuration.sleep
        await sleep(latency / 2)
        let response = handle(bytes)
        await sleep(latency / 2)
        return response
    }

    func handle(_ bytes: [UInt8]) -> FixtureResponse {
        let request: IncomingRequest
        do {
            request = try IncomingRequest.read(bytes)
        } catch {
            return FixtureResponse(
                status: 400,
                body: SimulatorFault.schemaValidation(
                    "The WS-Management service cannot process the request because the XML is invalid: \(error.message)"
                )
                .body(envelope: envelope, relatesTo: nil))
        }
        advance()
        let relatesTo = request.messageID
        do {
            return try route(request)
        } catch let fault {
            return FixtureResponse(status: fault.status, body: fault.body(envelope: envelope, relatesTo: relatesTo))
        }
    }

    func route(_ request: IncomingRequest) throws(SimulatorFault) -> FixtureResponse {
        if request.isIdentify { return identify(request) }
        switch request.action {
        case Action.get: return try get(request)
        case Action.enumerate: return try enumerate(request)
        case Action.pull: return try pull(request)
        case Action.release:
            if let context = request.enumerationContext { contexts[context] = nil }
            return ok(request, action: Action.releaseResponse) { _ in }
        default:
            guard let method = request.invokeMethod,
                request.action == Action.invoke(request.resourceURI, method: method)
            else {
                throw .actionNotSupported(request.action)
            }
            invocations.append(method)
            return try invoke(method, request)
        }
    }

    func ok(_ request: IncomingRequest, action: String, body: (XMLElement) -> Void) -> FixtureResponse {
        FixtureResponse(status: 200, body: envelope.build(action: action, relatesTo: request.messageID, body: body))
    }

    func identify(_ request: IncomingRequest) -> FixtureResponse {
        ok(request, action: "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd/IdentifyResponse") {
            body in
            let response = body.addChild("IdentifyResponse", namespace: NS.identity)
            response.addChild("ProtocolVersion", namespace: NS.identity, text: NS.wsman.uri)
            response.addChild("ProductVendor", namespace: NS.identity, text: "Microsoft Corporation")
            response.addChild("ProductVersion", namespace: NS.identity, text: "OS: 10.0.20348 SP: 0.0 Stack: 3.0")
        }
    }

    // MARK: Get

    func get(_ request: IncomingRequest) throws(SimulatorFault) -> FixtureResponse {
        let className = ResourceURI.className(of: request.resourceURI)
        func selector(_ name: String) throws(SimulatorFault) -> String {
            guard let value = request.selectors.first(where: { $0.name == name })?.value else {
                throw .invalidSelectors("The selector \(name) is required to identify a \(className) instance.")
            }
            return value
        }
        let instance: FixtureInstance?
        switch className {
        case "Msvm_ComputerSystem":
            let name = try selector("Name")
            if name.caseInsensitiveCompare(host.hostName) == .orderedSame {
                instance = host.hostComputerSystem()
            } else {
                instance = host.vm(id: name).map { host.computerSystem($0, now: now) }
            }
        case "Msvm_ConcreteJob":
            if faults.takeJobPollFailure() {
                throw .internalError("The WS-Management service cannot process the request (the WMI service is busy).")
            }
            instance = jobs[try selector("InstanceID").uppercased()]?.instance(now: now)
        case "Msvm_VirtualSystemSettingData":
            instance = settingsInstance(instanceID: try selector("InstanceID"))
        case "Msvm_ShutdownComponent":
            instance = host.vm(id: try selector("SystemName")).flatMap {
                host.offersShutdown($0) ? host.shutdownComponent($0) : nil
            }
        case "Msvm_PlannedComputerSystem":
            instance = host.plannedIndex(id: try selector("Name")).flatMap { host.planned?[$0] }.map {
                host.plannedSystem($0)
            }
        default:
            instance = nil
        }
        guard let instance else {
            throw .destinationUnreachable(
                "The WS-Management service cannot find the resource identified by the resource URI and selectors.")
        }
        return ok(request, action: Action.getResponse) { instance.write(into: $0) }
    }

    func settingsInstance(instanceID: String) -> FixtureInstance? {
        let guid = instanceID.hasPrefix("Microsoft:") ? String(instanceID.dropFirst("Microsoft:".count)) : instanceID
        if let vm = host.vm(id: guid) { return host.realizedSettings(vm, now: now) }
        return host.checkpoint(id: guid).map { host.checkpointSettings($0) }
    }

    // MARK: Enumerate / Pull

    func enumerate(_ request: IncomingRequest) throws(SimulatorFault) -> FixtureResponse {
        var items: [FixtureInstance]
        if let filter = request.filter {
            guard request.resourceURI.hasSuffix("/*") else {
                throw .cannotProcessFilter(
                    "The WS-Management service cannot process the request. The resource URI cannot contain keys and the class name must be '*' when a filter is used."
                )
            }
            guard filter.dialect == Dialect.wql else {
                throw .cannotProcessFilter("The filter dialect \(filter.dialect) is not supported.")
            }
            items = try evaluate(filter.text)
        } else {
            items = try evaluate("SELECT * FROM \(ResourceURI.className(of: request.resourceURI))")
        }
        var page: [FixtureInstance] = []
        if request.optimizeEnumeration {
            page = try self.page(of: &items, request)
        }
        let context = items.isEmpty && request.optimizeEnumeration ? nil : store(items)
        return ok(request, action: Action.enumerateResponse) { body in
            let response = body.addChild("EnumerateResponse", namespace: NS.enumeration)
            // WS-Enumeration requires the context in every EnumerateResponse; at the end of an optimized
            // enumeration it is empty and EndOfSequence follows the items.
            response.addChild("EnumerationContext", namespace: NS.enumeration, text: context ?? "")
            if request.optimizeEnumeration {
                let list = response.addChild("Items", namespace: NS.wsman)
                for item in page { item.write(into: list) }
                if context == nil { response.addChild("EndOfSequence", namespace: NS.wsman) }
            }
        }
    }

    /// The next page: `MaxElements` items (1 without it, as Hyper-V does), fewer when the client's
    /// `MaxEnvelopeSize` is reached; an item that cannot fit at all is the `w:EncodingLimit` fault.
    func page(of items: inout [FixtureInstance], _ request: IncomingRequest) throws(SimulatorFault)
        -> [FixtureInstance]
    {
        let wanted = min(max(request.maxElements ?? 1, 1), 32_000, items.count)
        var page: [FixtureInstance] = []
        var size = Self.envelopeOverhead
        for item in items.prefix(wanted) {
            let itemSize = item.serializedSize()
            if let limit = request.maxEnvelopeSize, size + itemSize > limit {
                guard !page.isEmpty else {
                    throw .encodingLimit(
                        "The response that the WS-Management service computed exceeds the maximum envelope size that is allowed (\(limit) bytes; the next item alone needs \(itemSize + Self.envelopeOverhead))."
                    )
                }
                break
            }
            size += itemSize
            page.append(item)
        }
        items.removeFirst(page.count)
        return page
    }

    /// Bytes of a response envelope around its items (headers, body wrappers), generously counted.
    static let envelopeOverhead = 1536

    func store(_ items: [FixtureInstance]) -> String {
        let id = MessageID.random()
        contexts[id] = items
        contextOrder.append(id)
        if contextOrder.count > 1000 { contexts[contextOrder.removeFirst()] = nil }
        return id
    }

    func pull(_ request: IncomingRequest) throws(SimulatorFault) -> FixtureResponse {
        guard let context = request.enumerationContext, var items = contexts.removeValue(forKey: context) else {
            throw .invalidEnumerationContext
        }
        // Hyper-V returns one item per Pull unless MaxElements asks for more.
        let page: [FixtureInstance]
        do { page = try self.page(of: &items, request) } catch {
            contexts[context] = items  // the enumeration can go on with a larger MaxEnvelopeSize
            throw error
        }
        let next = items.isEmpty ? nil : store(items)
        return ok(request, action: Action.pullResponse) { body in
            let response = body.addChild("PullResponse", namespace: NS.enumeration)
            if let next { response.addChild("EnumerationContext", namespace: NS.enumeration, text: next) }
            // WS-Enumeration's ItemListType holds at least one item: an empty page has no Items at all.
            if !page.isEmpty {
                let list = response.addChild("Items", namespace: NS.enumeration)
                for item in page { item.write(into: list) }
            }
            if next == nil { response.addChild("EndOfSequence", namespace: NS.enumeration) }
        }
    }

    // MARK: jobs

    /// Completes every job whose time has come, applying its effect.
    func advance() {
        let time = now
        for index in host.vms.indices {
            if let at = host.vms[index].settlesAt, time >= at, let stable = host.vms[index].settlesTo {
                host.vms[index].state = stable
                host.vms[index].settlesAt = nil
                host.vms[index].settlesTo = nil
            }
        }
        for id in jobOrder {
            guard var job = jobs[id], job.state == 4, time >= job.startedAt + job.duration else { continue }
            complete(&job, at: time)
            jobs[id] = job.vanishes ? nil : job
        }
        // Completed jobs stay visible for 5 minutes (TimeBeforeRemoval), then vanish.
        jobOrder.removeAll { id in
            guard let done = jobs[id]?.completedAt, time - done > 300 else { return false }
            jobs[id] = nil
            return true
        }
    }

    func startJob(
        method: String, jobType: Int, effect: SimulatedJob.Effect, delayMilliseconds: Int? = nil
    ) -> SimulatedJob {
        var job = SimulatedJob(
            id: GUID.make(), method: method, jobType: jobType, startedAt: now,
            duration: Double(delayMilliseconds ?? configuration.jobDelayMilliseconds) / 1000, effect: effect,
            injectedErrorCode: faults.takeJobFailure(method: method))
        job.withWarnings = faults.take(.jobWarnings(method: method))
        job.vanishes = faults.take(.vanishJob(method: method))
        if job.duration <= 0 { complete(&job, at: now) }
        jobs[job.id] = job
        jobOrder.append(job.id)
        return job
    }
}
