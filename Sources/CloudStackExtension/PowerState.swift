import HyperV

/// The words CloudStack's power sync understands (case-insensitively): `poweron`, `poweroff`, anything else unknown.
enum PowerState: String, Sendable {
    case poweron, poweroff, unknown

    /// Hyper-V's `EnabledState`: Running (2) and Paused (9, 32768 on older hosts) hold the VM's memory and its
    /// place on the host → on; Off (3) and Saved (6, 32769) → off (a start resumes a saved VM); transitional states
    /// (Starting, Stopping, Saving, Pausing, Resuming…) → unknown, so CloudStack waits for the next ping.
    init(_ vm: VirtualMachine) {
        switch vm.enabledState {
        case 2, 9, 32768: self = .poweron
        case 3, 6, 32769: self = .poweroff
        default: self = .unknown
        }
    }
}
