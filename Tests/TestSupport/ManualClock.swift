import Foundation
import HyperV
import Synchronization

/// A clock tests control, shared by the agent (``hostClock``) and the simulated host (``epochSeconds``), so that
/// job durations, poll intervals and deadlines are virtual and no test waits on the wall clock.
///
/// While *held*, every sleep parks until ``release()``; a test can wait for sleepers with ``waitForSleepers(_:)``
/// (an operation that sleeps is provably in the middle of its job wait). Once released (or created
/// ``autoAdvancing``) a sleep advances virtual time by its duration and returns at once.
public final class ManualClock: Sendable {
    struct State {
        var offset: Duration = .zero
        var held: Bool
        var parked: [(deadline: Duration, continuation: CheckedContinuation<Void, Never>)] = []
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var sleeps = 0
    }

    private let origin = ContinuousClock.now
    private let epoch = Date().timeIntervalSince1970
    private let state: Mutex<State>

    public init(held: Bool = false) {
        state = Mutex(State(held: held))
    }

    public static func autoAdvancing() -> ManualClock { ManualClock(held: false) }

    /// Virtual time passed since creation.
    public var elapsed: Duration { state.withLock { $0.offset } }
    /// How many sleeps have been asked for.
    public var sleeps: Int { state.withLock { $0.sleeps } }

    public var hostClock: HostClock {
        HostClock(now: { [self] in origin + elapsed }, sleep: { [self] duration in await sleep(duration) })
    }

    /// Seconds since 1970 on this clock (the simulator's clock).
    public var epochSeconds: @Sendable () -> Double {
        { [self] in
            let offset = elapsed.components
            return epoch + Double(offset.seconds) + Double(offset.attoseconds) / 1e18
        }
    }

    public func sleep(_ duration: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready: [CheckedContinuation<Void, Never>] = state.withLock { state in
                state.sleeps += 1
                guard state.held else {
                    state.offset += max(duration, .zero)
                    return [continuation]
                }
                state.parked.append((state.offset + duration, continuation))
                let count = state.parked.count
                let met = state.sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
                state.sleeperWaiters.removeAll { $0.count <= count }
                return met
            }
            for waiting in ready { waiting.resume() }
        }
    }

    /// Returns once `count` sleeps are parked (the clock is held).
    public func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.parked.count >= count { return true }
                state.sleeperWaiters.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Stops holding: parked sleepers wake in deadline order (virtual time moves to each deadline) and later sleeps
    /// return at once.
    public func release() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.held = false
            let parked = state.parked.sorted { $0.deadline < $1.deadline }
            state.parked = []
            if let last = parked.last { state.offset = max(state.offset, last.deadline) }
            return parked.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }
}
