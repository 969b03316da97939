import Synchronization

/// One-shot faults the fixture applies to the next matching request(s), for tests and demos.
public enum InjectedFault: Sendable, Equatable, Codable {
    /// Answer HTTP 401 as if the credentials were wrong.
    case unauthorized
    /// Answer HTTP 500 with a `w:InternalError` SOAP fault.
    case internalError
    /// Close the connection without answering.
    case dropConnection
    /// Answer after this many milliseconds.
    case delay(milliseconds: Int)
    /// Answer with bytes that are not XML.
    case malformedBody
    /// The next job started by this WMI method (e.g. `CreateSnapshot`) ends in JobState 10 with this ErrorCode.
    case failJob(method: String, errorCode: Int)
}

/// A queue of pending one-shot faults, shared by the HTTP layer and the simulator.
public final class FaultInjector: Sendable {
    private let pending = Mutex<[InjectedFault]>([])

    public init() {}

    /// Queues `fault` (each fault fires once).
    public func inject(_ fault: InjectedFault) {
        pending.withLock { $0.append(fault) }
    }

    /// Takes the first pending HTTP-level fault, if any.
    func takeHTTPFault() -> InjectedFault? {
        pending.withLock { list in
            guard let index = list.firstIndex(where: { if case .failJob = $0 { return false } else { return true } })
            else {
                return nil
            }
            return list.remove(at: index)
        }
    }

    /// Takes a pending job failure for `method`, if any.
    func takeJobFailure(method: String) -> Int? {
        pending.withLock { list in
            for (index, fault) in list.enumerated() {
                if case .failJob(let name, let code) = fault, name == method {
                    list.remove(at: index)
                    return code
                }
            }
            return nil
        }
    }

    public var count: Int { pending.withLock { $0.count } }
}
