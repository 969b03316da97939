import Foundation
import Logging
import WSMan

/// Waiting for a VM to be ready for the next operation: no disk merge running, no transitional state.
extension HyperVClient {
    /// `EnabledState`s a VM passes through on its way somewhere (Shutting Down, Starting, and the v1-era Starting,
    /// Snapshotting, Saving, Stopping, Pausing, Resuming): real hosts refuse state changes then (32775).
    public static let transitionalStates: Set<Int> = [4, 10, 32770, 32771, 32773, 32774, 32776, 32777]

    /// Waits (bounded by `deadline`) until the VM is in a stable state. Returns the fresh VM.
    public func waitForStableState(_ vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(HyperVError)
        -> VirtualMachine
    {
        try await waitUntil(vm, deadline: deadline) { $0.isMoving }
    }

    /// Waits until no disk merge runs on the VM (OperationalStatus without 32772). Returns the fresh VM.
    public func waitForMerge(_ vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(HyperVError)
        -> VirtualMachine
    {
        try await waitUntil(vm, deadline: deadline) { $0.isMerging }
    }

    /// Waits until the VM neither merges nor moves between states: what a checkpoint or a state change needs
    /// (both refused with 32775 otherwise). No round trip when it is settled already. Returns the fresh VM.
    public func waitUntilSettled(_ vm: VirtualMachine, deadline: ContinuousClock.Instant) async throws(HyperVError)
        -> VirtualMachine
    {
        try await waitUntil(vm, deadline: deadline) { $0.isMerging || $0.isMoving }
    }

    /// Re-reads the VM while `busy` holds, each pause a fraction of the time waited so far (a merge or a transition
    /// reports no progress), the last look at the deadline; then a named error.
    func waitUntil(
        _ vm: VirtualMachine, deadline: ContinuousClock.Instant, while busy: (VirtualMachine) -> Bool
    ) async throws(HyperVError) -> VirtualMachine {
        var current = vm
        let started = clock.now()
        while busy(current) {
            guard clock.now() < deadline else { throw Self.stillBusy(current) }
            let pause = min(schedule.delay(elapsed: clock.now() - started), max(deadline - clock.now(), .zero))
            do { try await clock.sleep(pause) } catch {
                throw HyperVError(
                    current.isMerging ? .mergeInProgress : .jobTimedOut,
                    "VM \(vm.name): waiting for it to settle was cancelled", vm: vm.name)
            }
            current = try await refresh(vm)
        }
        return current
    }

    static func stillBusy(_ vm: VirtualMachine) -> HyperVError {
        if vm.isMerging {
            return HyperVError(
                .mergeInProgress,
                "VM \(vm.name): a disk merge from an earlier checkpoint deletion is still running; retry when it has finished",
                vm: vm.name)
        }
        return HyperVError(
            .jobTimedOut,
            "VM \(vm.name) stayed in the transitional state \(vm.stateName) (EnabledState \(vm.enabledState)); retry when it has settled",
            vm: vm.name)
    }
}

extension VirtualMachine {
    /// On its way from one state to another (``HyperVClient/transitionalStates``).
    var isMoving: Bool { HyperVClient.transitionalStates.contains(enabledState) }
}
