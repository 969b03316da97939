import Checkpoints

/// The commands this agent answers itself, by class. Every other class goes upstream (or 404).
public enum CommandRegistry {
    public static func handlers(service: CheckpointService) -> [any CommandHandler] {
        [
            CreateVMSnapshotHandler(service: service),
            RevertToVMSnapshotHandler(service: service),
            DeleteVMSnapshotHandler(service: service),
        ]
    }
}
