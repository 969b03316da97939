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
    /// The next `count` polls of any job (`Get Msvm_ConcreteJob`) answer HTTP 500 `w:InternalError`, as a busy host
    /// sometimes does (go-wsman tolerates 5 consecutive poll errors).
    case failJobPolls(count: Int)
    /// The next job of this method ends in JobState 32768, "completed with warnings" (a success; os-win jobutils).
    case jobWarnings(method: String)
    /// The next job of this method is forgotten by the host as soon as it ends, as after its retention time
    /// (`TimeBeforeRemoval`, 5 minutes) — a poll then gets WBEM_E_NOT_FOUND.
    case vanishJob(method: String)

    /// Faults of the HTTP layer (the others are the simulator's).
    var isHTTP: Bool {
        switch self {
        case .failJob, .failJobPolls, .jobWarnings, .vanishJob: return false
        default: return true
        }
    }
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
            guard let index = list.firstIndex(where: \.isHTTP) else {
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

    /// Takes one failing job poll, if any are pending.
    func takeJobPollFailure() -> Bool {
        pending.withLock { list in
            guard let index = list.firstIndex(where: { if case .failJobPolls = $0 { true } else { false } }),
                case .failJobPolls(let count) = list[index]
            else { return false }
            if count <= 1 { list.remove(at: index) } else { list[index] = .failJobPolls(count: count - 1) }
            return true
        }
    }

    /// Takes a pending `jobWarnings` / `vanishJob` fault for `method`.
    func take(_ fault: InjectedFault) -> Bool {
        pending.withLock { list in
            guard let index = list.firstIndex(of: fault) else { return false }
            list.remove(at: index)
            return true
        }
    }

    public var count: Int { pending.withLock { $0.count } }
}
