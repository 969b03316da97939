import Synchronization
import WSMan

/// A bounded set of ``CurlConnection``s: idle ones are reused, new ones opened up to the limit, and callers
/// beyond it wait (cancellable) for a connection to come back.
final class ConnectionPool: Sendable {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<CurlConnection?, Never>
    }

    private struct State {
        var idle: [CurlConnection] = []
        var open = 0
        var nextID = 0
        var waiters: [Waiter] = []
    }

    private let configuration: CurlTransportConfiguration
    private let credentials: NegotiateCredentialSource
    private let state = Mutex(State())

    init(configuration: CurlTransportConfiguration, credentials: NegotiateCredentialSource) {
        self.configuration = configuration
        self.credentials = credentials
    }

    private enum Grant {
        case reuse(CurlConnection)
        case create(Int)
        case wait
    }

    func acquire() async throws -> CurlConnection {
        let grant: Grant = state.withLock { state in
            if let connection = state.idle.popLast() { return .reuse(connection) }
            if state.open < configuration.maxConnections {
                state.open += 1
                return .create(state.open)
            }
            return .wait
        }
        switch grant {
        case .reuse(let connection):
            return connection
        case .create(let index):
            do {
                return try CurlConnection(configuration: configuration, credentials: credentials, index: index)
            } catch {
                discard()
                throw error
            }
        case .wait:
            let id = state.withLock { state in
                state.nextID += 1
                return state.nextID
            }
            let connection: CurlConnection? = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let handOff: CurlConnection?? = state.withLock { state in
                        if Task.isCancelled { return .some(nil) }
                        if let idle = state.idle.popLast() { return .some(idle) }
                        state.waiters.append(Waiter(id: id, continuation: continuation))
                        return .none
                    }
                    if case .some(let value) = handOff { continuation.resume(returning: value) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume(returning: nil)
            }
            guard let connection else { throw CancellationError() }
            return connection
        }
    }

    /// Returns a healthy connection for reuse (or hands it straight to a waiter).
    func release(_ connection: CurlConnection) {
        let waiter = state.withLock { state -> Waiter? in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(connection)
            return nil
        }
        waiter?.continuation.resume(returning: connection)
    }

    /// Forgets a connection that failed; the first waiter, if any, gets a freshly opened one instead.
    func discard() {
        let waiter = state.withLock { state -> (Waiter, Int)? in
            guard !state.waiters.isEmpty else {
                state.open -= 1
                return nil
            }
            return (state.waiters.removeFirst(), state.open)
        }
        guard let (waiter, index) = waiter else { return }
        let fresh = try? CurlConnection(configuration: configuration, credentials: credentials, index: index)
        if fresh == nil { state.withLock { $0.open -= 1 } }
        waiter.continuation.resume(returning: fresh)
    }
}
