import ArgumentParser

@main
struct HypervAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hyperv-agent",
        abstract: "Apache CloudStack VM snapshots on Hyper-V over WinRM.",
        discussion:
            "Exit status: 0 success, 1 failure (the host, the command or the checkpoint), 2 usage or configuration error.",
        subcommands: [
            ServeCommand.self, ExecCommand.self, CheckpointsCommand.self, ProbeCommand.self, ExtensionCommand.self,
        ])
}
