import HyperV

/// How a take meets its consistency request on a VM in a given state: which checkpoint type to set for it, whether
/// to drop the saved memory afterwards, and what to tell people.
struct TakePlan: Sendable, Equatable {
    var checkpointType: CheckpointType?
    var dropMemory: Bool
    var consistency: ConsistencyAchieved
    /// The VM's own type is Production: Hyper-V quiesces, and silently takes a standard checkpoint (with memory) when
    /// the guest cannot — detected afterwards and handled by `hyperv.quiesce_fallback`.
    var hostMayFallBack = false

    /// `current`: the VM's own checkpoint type. No type change when it already gives what is asked (DESIGN §12).
    static func make(
        _ request: ConsistencyRequest, vm: VirtualMachine, checkpoint: String, current: CheckpointType = .standard
    ) throws(CheckpointError) -> TakePlan {
        let running = vm.isRunning || vm.enabledState == 9
        switch (running, request) {
        case (true, .applicationConsistent) where current == .production || current == .productionOnly:
            return TakePlan(
                checkpointType: current, dropMemory: false,
                consistency: .init(
                    kind: .applicationConsistent, description: "application-consistent (production checkpoint)"),
                hostMayFallBack: current == .production)
        case (true, .withMemory):
            return TakePlan(
                checkpointType: .standard, dropMemory: false,
                consistency: .init(kind: .withMemory, description: "disk and memory (standard checkpoint)"))
        case (true, .applicationConsistent):
            return TakePlan(
                checkpointType: .productionOnly, dropMemory: false,
                consistency: .init(
                    kind: .applicationConsistent, description: "application-consistent (production checkpoint)"))
        case (true, .crashConsistent):
            return TakePlan(
                checkpointType: .standard, dropMemory: true,
                consistency: .init(
                    kind: .crashConsistent, description: "crash-consistent (standard checkpoint, saved memory dropped)")
            )
        case (false, .withMemory):
            throw CheckpointError(
                .memoryNeedsRunningVM,
                "a DiskAndMemory snapshot of VM \(vm.name) needs a running VM, but it is \(vm.stateName); take a Disk snapshot instead",
                vm: vm.name, checkpoint: checkpoint)
        case (false, _):
            return TakePlan(
                checkpointType: nil, dropMemory: true,
                consistency: .init(kind: request, description: "disk only (the VM is \(vm.stateName))"))
        }
    }
}
