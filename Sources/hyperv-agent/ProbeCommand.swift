import ArgumentParser
import Foundation
import HyperV

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract:
            "Check connectivity, authentication and Hyper-V access; report the host's VMs and checkpoint settings.")

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        try await exiting {
            let runtime = try AgentRuntime(configuration: try options.load())
            let report: HostProbeReport
            do {
                report = try await HostProbe(client: runtime.client).run()
            } catch let error as HyperVError {
                throw OperationFailure(error.description)
            }
            if json {
                print(try prettyJSON(report))
            } else {
                print("endpoint:          \(report.endpoint)")
                print("WinRM:             \(report.productVendor), \(report.productVersion)")
                print("Hyper-V host:      \(report.hostName ?? "(not reported)")")
                print("virtual machines:  \(report.virtualMachines)")
                let types = report.checkpointTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", ")
                print("checkpoint types:  \(types.isEmpty ? "-" : types)")
                print("round trips:       \(report.roundTrips)")
            }
        }
    }
}
