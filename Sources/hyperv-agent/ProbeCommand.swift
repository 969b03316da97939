import ArgumentParser
import Foundation
import HyperV
import WSMan

struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Check connectivity, authentication and Hyper-V access; report the host's VMs and checkpoint settings.")

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        try await exiting {
            let runtime = try AgentRuntime(configuration: try options.load())
            let report: HostProbeReport
            do {
                report = try await HostProbe(client: runtime.client).run()
            } catch let error as WSManError {
                throw OperationFailure("probe of \(runtime.client.transport.endpoint) failed: \(Self.explain(error))")
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("endpoint:          \(report.endpoint)")
                print("WinRM:             \(report.productVendor), \(report.productVersion)")
                print("Hyper-V host:      \(report.hostName ?? "(not reported)")")
                print("virtual machines:  \(report.virtualMachines)")
                let types = report.checkpointTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                print("checkpoint types:  \(types.isEmpty ? "-" : types)")
                print("round trips:       \(report.roundTrips)")
            }
        }
    }

    /// Names the failure class an operator acts on first: DNS, connection, TLS, authentication, WinRM.
    static func explain(_ error: WSManError) -> String {
        switch (error.code, error.transport?.code) {
        case (.transport, .resolve?): return "DNS: \(error.transport!.message)"
        case (.transport, .connect?): return "connection refused or unreachable: \(error.transport!.message)"
        case (.transport, .tls?): return error.transport!.message
        case (.transport, .timeout?): return "timeout: \(error.transport!.message)"
        case (.unauthorized, _): return "authentication failed (HTTP 401): check winrm.username, the password and winrm.auth"
        case (.fault, _): return "WinRM fault: \(error.fault.map(\.description) ?? error.detail)"
        default: return error.description
        }
    }
}
