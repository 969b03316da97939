import ArgumentParser
import CloudStack
import Foundation

struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run one CloudStack command and print exactly the answer array the channel would return.",
        discussion: "Exit status: 0 when the answer's result is true, 1 when false, 2 on usage or configuration errors."
    )

    @OptionGroup var options: ConfigOptions
    @Argument(help: "Fully-qualified command class, e.g. com.cloud.agent.api.CreateVMSnapshotCommand.")
    var commandClass: String
    @Argument(help: "File holding the command body exactly as the management server POSTs it, or - for stdin.")
    var input: String = "-"

    func run() async throws {
        try await exiting {
            let body: [UInt8]
            if input == "-" {
                body = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                guard let data = FileManager.default.contents(atPath: input) else {
                    throw UsageFailure("cannot read \(input)")
                }
                body = Array(data)
            }
            let configuration = try options.load()
            guard body.count <= configuration.agentMaxRequestBytes else {
                throw UsageFailure(
                    "the command body is \(body.count) bytes, over agent.max_request_bytes (\(configuration.agentMaxRequestBytes))"
                )
            }
            let runtime = try AgentRuntime(configuration: configuration)
            let dispatcher = runtime.dispatcher()
            switch await dispatcher.dispatch(commandClass: commandClass, body: body) {
            case .unknownCommand:
                let known = dispatcher.handlers.keys.sorted().joined(separator: ", ")
                throw UsageFailure("unsupported command class \(commandClass) (supported: \(known))")
            case .undecodable(let reason):
                throw UsageFailure("the command body is not JSON: \(reason)")
            case .answered(let answer, let result):
                print(JSONWriter.string(answer))
                if !result { throw ExitCode(1) }
            }
        }
    }
}
