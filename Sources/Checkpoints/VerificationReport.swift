import HyperV

/// What `checkpoints verify` found on a VM: its chains, and every problem with what to do about it.
public struct VerificationReport: Sendable, Codable {
    public struct Chain: Sendable, Codable, Equatable {
        /// Disk position (controller order).
        public var slot: Int
        /// From the active file down to the base disk (as far as it goes).
        public var files: [String]
        /// Differencing files in the chain.
        public var depth: Int
    }

    public struct Finding: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable {
            /// A file names a parent that does not exist.
            case brokenChain
            /// A checkpoint references a disk file that does not exist.
            case missingCheckpointFile
            /// A checkpoint's disk does not descend from its parent checkpoint's (or the VM's from its current one).
            case chainMismatch
            /// A `.avhdx` of this VM's disks that no chain and no checkpoint references.
            case orphan
            /// More differencing files than `hyperv.chain_warn_depth`.
            case deepChain
            /// A disk merge runs (chains are changing; look again when it ends).
            case mergeInProgress
            /// A folder that could not be listed for orphans (not on a local drive of the host).
            case folderNotListed
        }
        public var kind: Kind
        /// Problems make the VM unhealthy (exit status 1); notices do not.
        public var isProblem: Bool
        public var message: String
        public var path: String?
    }

    public var vm: VirtualMachine
    public var checkpoints: Int
    public var chains: [Chain]
    public var findings: [Finding]
    public var warnDepth: Int

    public var healthy: Bool { !findings.contains(where: \.isProblem) }
}
