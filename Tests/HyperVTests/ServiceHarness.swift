import Checkpoints
import Foundation
import HyperV
import Logging
import Synchronization
import TestSupport
import WSMan
import WinRMFixture

/// The checkpoint service over the in-memory simulator, sharing one virtual clock with it.
struct ServiceHarness: Sendable {
    let simulator: HyperVSimulator
    let faults: FaultInjector
    let clock: ManualClock
    let stateDirectory: String
    var service: CheckpointService

    static let runningVM = "i-2-17-VM"
    static let runningVMID = "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F"
    static let stoppedVM = "i-2-18-VM"
    static let stoppedVMID = "6E5D4C3B-2A19-4F8E-8D7C-6B5A4F3E2D1C"

    static func make(
        clock: ManualClock = .autoAdvancing(), stateDirectory: String? = nil,
        fallback: QuiesceFallback = .crashConsistent,
        lockFiles: Bool = true, simulator existing: HyperVSimulator? = nil,
        configure: (inout HyperVSimulator.Configuration) -> Void = { _ in },
        transport wrap: (any WSManTransport) -> any WSManTransport = { $0 }
    ) -> ServiceHarness {
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configure(&configuration)
        let faults = FaultInjector()
        let simulator = existing ?? HyperVSimulator(configuration: configuration, faults: faults)
        let directory =
            stateDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("svc-\(UUID().uuidString)").path
        var logger = Logger(label: "test-service")
        logger.logLevel = .critical
        let settings = CheckpointService.Settings(stateDirectory: directory, quiesceFallback: fallback)
        let exclusion = lockFiles ? nil : VMExclusion(lockDirectory: nil)
        let service = CheckpointService(
            client: WSManClient(transport: wrap(InMemoryTransport(responder: simulator))), settings: settings,
            clock: clock.hostClock,
            exclusion: exclusion, logger: logger)
        return ServiceHarness(
            simulator: simulator, faults: faults, clock: clock, stateDirectory: directory, service: service)
    }

    var host: SimulatedHost { get async { await simulator.host } }

    func checkpoints(of vmID: String) async -> [SimulatedHost.Checkpoint] { await host.checkpoints(ofVM: vmID) }
}

/// A transport that "kills the agent" at one request: that request never reaches the host and never returns, and
/// every later one fails. `crashed` resumes when it happens; `finish()` lets the frozen request fail.
final class CrashingTransport: WSManTransport {
    let base: any WSManTransport
    let matches: @Sendable (String, String) -> Bool
    private let state = Mutex<
        (
            dead: Bool, frozen: [CheckedContinuation<Void, Never>], crashWaiter: CheckedContinuation<Void, Never>?,
            crashed: Bool
        )
    >(
        (false, [], nil, false))

    /// `matches(action, envelope text)` picks the request at which the agent dies.
    init(base: any WSManTransport, at matches: @escaping @Sendable (String, String) -> Bool) {
        self.base = base
        self.matches = matches
    }

    var endpoint: String { base.endpoint }

    func send(_ envelope: [UInt8], action: String) async throws -> WSManHTTPResponse {
        let text = String(decoding: envelope, as: UTF8.self)
        let dead = state.withLock { $0.dead }
        if dead { throw TransportError(code: .connect, message: "the agent is dead") }
        guard matches(action, text) else { return try await base.send(envelope, action: action) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.dead = true
                state.crashed = true
                state.frozen.append(continuation)
                defer { state.crashWaiter = nil }
                return state.crashWaiter
            }
            waiter?.resume()
        }
        throw TransportError(code: .connect, message: "the agent is dead")
    }

    /// Returns once the agent has "died".
    func crashed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let already = state.withLock { state -> Bool in
                if state.crashed { return true }
                state.crashWaiter = continuation
                return false
            }
            if already { continuation.resume() }
        }
    }

    /// Unfreezes the dead request (it fails), so the abandoned task ends.
    func finish() {
        let frozen = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.frozen = [] }
            return state.frozen
        }
        for continuation in frozen { continuation.resume() }
    }
}
