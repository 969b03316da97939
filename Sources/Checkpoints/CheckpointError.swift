import HyperV

/// A failure of a checkpoint use case, naming what failed, on which VM / checkpoint, and what to do.
///
/// The codes are what an operator (or a front door mapping them onto its own protocol) can act on; failures of the
/// Hyper-V layer underneath keep their text and are classified by ``init(_:)``.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case vmNotFound, vmAmbiguous, checkpointNotFound, checkpointAmbiguous, checkpointsDisabled, checkpointLimit,
                memoryNeedsRunningVM, quiesceFailed, vmBusy, journalUnwritable, mergeInProgress, refusedByHost,
                jobFailed,
                jobTimedOut, hostUnreachable, unexpectedAnswer
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// No VM with that name on the host.
        public static let vmNotFound = Code(.vmNotFound)
        /// Several VMs carry the name.
        public static let vmAmbiguous = Code(.vmAmbiguous)
        /// The named checkpoint does not exist (revert).
        public static let checkpointNotFound = Code(.checkpointNotFound)
        /// Several checkpoints of the VM carry the name.
        public static let checkpointAmbiguous = Code(.checkpointAmbiguous)
        /// The VM's checkpoint type is Disabled.
        public static let checkpointsDisabled = Code(.checkpointsDisabled)
        /// Hyper-V's 50 checkpoints per VM.
        public static let checkpointLimit = Code(.checkpointLimit)
        /// A checkpoint with memory was asked of a VM that does not run.
        public static let memoryNeedsRunningVM = Code(.memoryNeedsRunningVM)
        /// The guest could not be quiesced and the fallback policy is `fail`.
        public static let quiesceFailed = Code(.quiesceFailed)
        /// Another operation holds the VM (this process or another one on the same state directory).
        public static let vmBusy = Code(.vmBusy)
        /// The journal or lock files in the state directory cannot be written.
        public static let journalUnwritable = Code(.journalUnwritable)
        /// A disk merge from an earlier deletion still runs.
        public static let mergeInProgress = Code(.mergeInProgress)
        /// A Hyper-V method returned a failure code.
        public static let refusedByHost = Code(.refusedByHost)
        /// A Hyper-V job ended in failure.
        public static let jobFailed = Code(.jobFailed)
        /// A Hyper-V job did not finish before the deadline (it keeps running on the host).
        public static let jobTimedOut = Code(.jobTimedOut)
        /// WinRM failed: authentication, DNS, connection, TLS, timeouts, faults.
        public static let hostUnreachable = Code(.hostUnreachable)
        /// The host answered something the agent cannot use.
        public static let unexpectedAnswer = Code(.unexpectedAnswer)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public var vm: String?
    public var checkpoint: String?
    /// The Hyper-V failure underneath, when there is one (return code, job error code, WinRM error).
    public var underlying: HyperVError?

    public init(_ code: Code, _ message: String, vm: String? = nil, checkpoint: String? = nil) {
        self.code = code
        self.message = message
        self.vm = vm
        self.checkpoint = checkpoint
    }

    /// A Hyper-V failure, classified; its text is kept as is.
    public init(_ error: HyperVError, checkpoint: String? = nil) {
        let code: Code
        switch error.code {
        case .vmNotFound: code = .vmNotFound
        case .vmAmbiguous: code = .vmAmbiguous
        case .mergeInProgress: code = .mergeInProgress
        case .methodFailed: code = .refusedByHost
        case .jobFailed: code = .jobFailed
        case .jobTimedOut: code = .jobTimedOut
        case .wsman: code = .hostUnreachable
        default: code = .unexpectedAnswer
        }
        self.init(code, error.message, vm: error.vm, checkpoint: checkpoint)
        underlying = error
    }

    public static func == (lhs: CheckpointError, rhs: CheckpointError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public var description: String { message }
}
