import Checkpoints
import CloudStack
import Foundation
import HyperV
import Logging
import TestSupport
import Testing
import WSMan
import WinRMFixture

/// The CloudStack dispatcher and checkpoint service over an in-memory simulator (or any transport), with a private
/// state directory. Agent and simulator share one ``ManualClock``: job durations are virtual time.
struct EngineHarness: Sendable {
    let simulator: HyperVSimulator
    let faults: FaultInjector
    let counting: CountingTransport
    let dispatcher: CommandDispatcher
    let stateDirectory: String
    let clock: ManualClock

    var service: CheckpointService { dispatcher.service }

    static func make(
        host: SimulatedHost = .defaultInventory(), stateDirectory: String? = nil,
        fallback: QuiesceFallback = .crashConsistent, clock: ManualClock = .autoAdvancing(),
        configure: (inout HyperVSimulator.Configuration) -> Void = { _ in },
        transport: ((HyperVSimulator) -> any WSManTransport)? = nil
    ) -> EngineHarness {
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configure(&configuration)
        let faults = FaultInjector()
        let simulator = HyperVSimulator(host: host, configuration: configuration, faults: faults)
        let base = transport?(simulator) ?? InMemoryTransport(responder: simulator)
        let counting = CountingTransport(base: base)
        let directory =
            stateDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("hv-state-\(UUID().uuidString)").path
        var logger = Logger(label: "test-engine")
        logger.logLevel = .critical
        let service = CheckpointService(
            client: WSManClient(transport: counting),
            settings: .init(stateDirectory: directory, quiesceFallback: fallback),
            clock: clock.hostClock, logger: logger)
        return EngineHarness(
            simulator: simulator, faults: faults, counting: counting, dispatcher: CommandDispatcher(service: service),
            stateDirectory: directory, clock: clock)
    }

    /// The same harness with another exclusion (to observe it).
    func with(exclusion: VMExclusion) -> EngineHarness {
        var logger = Logger(label: "test-engine")
        logger.logLevel = .critical
        let service = CheckpointService(
            client: WSManClient(transport: counting), settings: self.service.settings, clock: clock.hostClock,
            exclusion: exclusion,
            logger: logger)
        return EngineHarness(
            simulator: simulator, faults: faults, counting: counting, dispatcher: CommandDispatcher(service: service),
            stateDirectory: stateDirectory, clock: clock)
    }

    /// Sends a command and returns the answer's inner object (what follows the answer class key) and the class.
    func run(_ commandClass: String, _ body: JSONValue) async -> (answerClass: String, answer: JSONValue) {
        switch await dispatcher.dispatch(commandClass: commandClass, body: JSONWriter.bytes(body)) {
        case .answered(.array(let items), _):
            guard case .object(let members)? = items.first, let first = members.first else { return ("", .null) }
            return (first.0, first.1)
        default:
            return ("", .null)
        }
    }

    func create(_ body: JSONValue) async -> JSONValue { await run(CommandClass.createVMSnapshot, body).answer }
    func revert(_ body: JSONValue) async -> JSONValue { await run(CommandClass.revertToVMSnapshot, body).answer }
    func delete(_ body: JSONValue) async -> JSONValue { await run(CommandClass.deleteVMSnapshot, body).answer }
}

/// The shared CloudStack sample bodies, adjustable per test.
enum Commands {
    static func sample(_ name: String) -> JSONValue {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Commands/\(name).json")
        return try! JSONParser.parse(Array(try! Data(contentsOf: url)))
    }

    /// A command for `vm` and `snapshot`, from the sample of that command, with the given type and quiescing.
    static func body(
        _ sample: String, vm: String = "i-2-17-VM", snapshot: String, type: String = "Disk", quiesce: Bool = true
    ) -> JSONValue {
        var body = Commands.sample(sample)
        let target = body["target"]!.setting("snapshotName", .string(snapshot)).setting("type", .string(type)).setting(
            "quiescevm", .bool(quiesce))
        body = body.setting("target", target).setting("vmName", .string(vm))
        if vm == "i-2-18-VM" {
            // The stopped VM's disks.
            let volumes = body["volumeTOs"]!.arrayValue!.enumerated().map { index, volume in
                volume.setting(
                    "path",
                    .string(
                        index == 0 ? "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0" : "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
                ).setting("vmName", .string(vm))
            }
            body = body.setting("volumeTOs", .array(volumes))
        }
        return body
    }

    static func create(vm: String = "i-2-17-VM", _ snapshot: String, type: String = "Disk", quiesce: Bool = true)
        -> JSONValue
    {
        body("create", vm: vm, snapshot: snapshot, type: type, quiesce: quiesce)
    }
    static func revert(vm: String = "i-2-17-VM", _ snapshot: String, type: String = "Disk") -> JSONValue {
        body("revert", vm: vm, snapshot: snapshot, type: type)
    }
    static func delete(vm: String = "i-2-17-VM", _ snapshot: String) -> JSONValue {
        body("delete", vm: vm, snapshot: snapshot)
    }
}

extension JSONValue {
    var result: Bool { self["result"]?.boolValue ?? false }
    var details: String { self["details"]?.stringValue ?? "" }
    var volumes: [JSONValue] { self["volumeTOs"]?.arrayValue ?? [] }
    /// The parsed `chainInfo` of a volume.
    var chainInfo: JSONValue? { self["chainInfo"]?.stringValue.flatMap { try? JSONParser.parse(Array($0.utf8)) } }
}

let runningVMID = "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F"
let stoppedVMID = "6E5D4C3B-2A19-4F8E-8D7C-6B5A4F3E2D1C"
