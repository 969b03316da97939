/// One checkpoint operation per VM at a time — within this process and, through ``VMLockFile``, across every
/// process on the same state directory. Different VMs run in parallel.
///
/// The same operation arriving again while it runs here (a re-sent command) joins it and gets the same result; any
/// other operation on a busy VM is refused at once. The operation runs in its own task, so a caller that goes away
/// (an HTTP client disconnecting) does not cancel a Hyper-V job half-way.
public actor VMExclusion {
    /// What happened at the gate (logs, tests).
    public enum Event: Sendable, Equatable {
        case started(vm: String, operation: String)
        case joined(vm: String, operation: String)
        case refused(vm: String, operation: String)
        case finished(vm: String, operation: String)
    }

    struct Running {
        let operation: String
        let task: Task<any Sendable, Never>
        let lock: VMLockFile?
    }

    private var running: [String: Running] = [:]
    /// Where the per-VM lock files live (`<state_dir>/locks`); `nil`: this process only.
    public nonisolated let lockDirectory: String?
    private let observer: @Sendable (Event) -> Void

    public init(lockDirectory: String?, observer: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.lockDirectory = lockDirectory
        self.observer = observer
    }

    /// Runs `body` holding `vm`, joins the identical running `operation`, or refuses.
    public func run<T: Sendable>(
        vm: String, operation: String, _ body: @escaping @Sendable () async -> T
    ) async throws(CheckpointError) -> T {
        if let current = running[vm] {
            guard current.operation == operation else {
                observer(.refused(vm: vm, operation: operation))
                throw CheckpointError(
                    .vmBusy,
                    "VM \(vm) is busy \(current.operation); one checkpoint operation runs per VM at a time — retry when it has finished",
                    vm: vm)
            }
            observer(.joined(vm: vm, operation: operation))
            return try Self.typed(await current.task.value, vm: vm)
        }
        var lock: VMLockFile?
        if let lockDirectory {
            do {
                lock = try VMLockFile.acquire(directory: lockDirectory, vm: vm, operation: operation)
            } catch {
                observer(.refused(vm: vm, operation: operation))
                switch error {
                case .held(let holder):
                    let who = holder.map { "pid \($0.pid), \($0.operation)" } ?? "an operation"
                    throw CheckpointError(
                        .vmBusy,
                        "VM \(vm) is busy in another hyperv-agent process (\(who)); one checkpoint operation runs per VM at a time — retry when it has finished",
                        vm: vm)
                case .unavailable(let reason):
                    throw CheckpointError(
                        .journalUnwritable, "cannot lock VM \(vm) for \(operation): \(reason); check agent.state_dir",
                        vm: vm)
                }
            }
        }
        let task = Task<any Sendable, Never> { await body() }
        running[vm] = Running(operation: operation, task: task, lock: lock)
        observer(.started(vm: vm, operation: operation))
        let value = await task.value
        running[vm] = nil
        observer(.finished(vm: vm, operation: operation))
        return try Self.typed(value, vm: vm)
    }

    /// Like ``run(vm:operation:_:)``, but waits for another operation on the VM to finish instead of refusing —
    /// what a CloudStack start needs when it arrives during the stop's export. Another process holding the VM is
    /// waited for too, up to `patience`.
    public func runAfterCurrent<T: Sendable>(
        vm: String, operation: String, patience: Duration = .seconds(600), _ body: @escaping @Sendable () async -> T
    ) async throws(CheckpointError) -> T {
        let giveUp = ContinuousClock.now + patience
        while true {
            if let current = running[vm], current.operation != operation {
                _ = await current.task.value
                // Its own caller clears the entry on this actor: let it in before looking again.
                await Task.yield()
                continue
            }
            do {
                return try await run(vm: vm, operation: operation, body)
            } catch where error.code == .vmBusy && ContinuousClock.now < giveUp && running[vm] == nil {
                // Held by another process on the same state directory: its operation ends, then ours runs.
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// VMs with an operation running in this process.
    public var busyVMs: [String] { Array(running.keys) }

    static func typed<T>(_ value: any Sendable, vm: String) throws(CheckpointError) -> T {
        guard let typed = value as? T else {
            throw CheckpointError(
                .unexpectedAnswer, "internal: an operation on VM \(vm) joined a different kind of operation", vm: vm)
        }
        return typed
    }
}
