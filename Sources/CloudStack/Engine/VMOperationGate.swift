/// One VM-snapshot operation per VM at a time; different VMs run in parallel.
///
/// The same command arriving again while it runs (a CloudStack re-send) joins it and gets the same answer; a
/// different operation on a busy VM is refused at once. The operation runs in its own task, so a caller that goes
/// away (an HTTP client disconnecting) does not cancel a Hyper-V job half-way.
public actor VMOperationGate {
    public enum Outcome: Sendable {
        case finished(JSONValue, joined: Bool)
        case busy(running: String)
    }

    struct Running {
        let key: String
        let task: Task<JSONValue, Never>
    }

    private var running: [String: Running] = [:]

    public init() {}

    /// Runs `operation` for `vm` unless another operation holds it. `key` identifies the command (class + snapshot).
    public func run(vm: String, key: String, operation: @escaping @Sendable () async -> JSONValue) async -> Outcome {
        if let current = running[vm] {
            guard current.key == key else { return .busy(running: current.key) }
            return .finished(await current.task.value, joined: true)
        }
        let task = Task { await operation() }
        running[vm] = Running(key: key, task: task)
        let answer = await task.value
        running[vm] = nil
        return .finished(answer, joined: false)
    }

    public var busyVMs: [String] { Array(running.keys) }
}
