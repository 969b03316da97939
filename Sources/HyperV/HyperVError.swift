import WSMan

/// A failure of a Hyper-V operation (a lookup, a method, a job, WinRM itself), naming what failed, on which VM, and
/// what to do. Use-case failures (a checkpoint not found, checkpoints disabled, …) are the checkpoint service's.
public struct HyperVError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case vmNotFound, vmAmbiguous, mergeInProgress, methodFailed, jobFailed, jobTimedOut, jobVanished, wsman,
                unexpectedAnswer
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public static let vmNotFound = Code(.vmNotFound)
        public static let vmAmbiguous = Code(.vmAmbiguous)
        public static let mergeInProgress = Code(.mergeInProgress)
        /// A method returned a failure `ReturnValue` (named).
        public static let methodFailed = Code(.methodFailed)
        /// A job ended in Exception/Terminated/Killed (ErrorCode + ErrorDescription).
        public static let jobFailed = Code(.jobFailed)
        public static let jobTimedOut = Code(.jobTimedOut)
        /// The host no longer knows the job (its retention time passed before it was seen ending): what it did has
        /// to be read from the objects it affected.
        public static let jobVanished = Code(.jobVanished)
        /// WinRM itself failed: authentication, unreachable host, faults.
        public static let wsman = Code(.wsman)
        public static let unexpectedAnswer = Code(.unexpectedAnswer)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    public var vm: String?
    public var checkpoint: String?
    public var returnCode: Int?
    public var jobErrorCode: Int?
    public var underlying: WSManError?

    public init(_ code: Code, _ message: String, vm: String? = nil, checkpoint: String? = nil) {
        self.code = code
        self.message = message
        self.vm = vm
        self.checkpoint = checkpoint
    }

    public static func == (lhs: HyperVError, rhs: HyperVError) -> Bool { lhs.code == rhs.code }

    public var description: String { message }

    /// Wraps a WinRM failure with what was being done, on which VM.
    public static func wsman(_ error: WSManError, doing what: String, vm: String? = nil) -> HyperVError {
        let hint: String
        switch (error.code, error.transport?.code) {
        case (.unauthorized, _):
            hint =
                error.detail == "HTTP 401"
                ? "authentication failed: check winrm.username, the password and winrm.auth"
                : "authentication failed: \(error.detail)"
        case (.transport, .resolve?): hint = "the Hyper-V host is unreachable (DNS): \(error.transport?.message ?? "")"
        case (.transport, .connect?):
            hint = "the Hyper-V host is unreachable (connection refused or no route): \(error.transport?.message ?? "")"
        case (.transport, .tls?): hint = "TLS failed: \(error.transport?.message ?? "")"
        case (.transport, .authentication?): hint = "authentication failed: \(error.transport?.message ?? "")"
        case (.transport, .timeout?):
            hint = "the Hyper-V host did not answer in time: \(error.transport?.message ?? "")"
        default: hint = error.description
        }
        var wrapped = HyperVError(.wsman, "\(what)\(vm.map { " on VM \($0)" } ?? "") failed: \(hint)", vm: vm)
        wrapped.underlying = error
        return wrapped
    }
}
