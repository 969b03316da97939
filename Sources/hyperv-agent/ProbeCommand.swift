import AgentConfig
import ArgumentParser
import Foundation
import HyperV
import WSManCurl

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
            let (authentication, messages) = Self.describeSecurity(runtime.configuration)
            if json {
                struct Output: Encodable {
                    var host: HostProbeReport
                    var authentication: String
                    var messages: String
                }
                print(try prettyJSON(Output(host: report, authentication: authentication, messages: messages)))
            } else {
                print("endpoint:          \(report.endpoint)")
                print("WinRM:             \(report.productVendor), \(report.productVersion)")
                print("Hyper-V host:      \(report.hostName ?? "(not reported)")")
                print("virtual machines:  \(report.virtualMachines)")
                let types = report.checkpointTypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", ")
                print("checkpoint types:  \(types.isEmpty ? "-" : types)")
                print("authentication:    \(authentication)")
                print("messages:          \(messages)")
                print("round trips:       \(report.roundTrips)")
            }
        }
    }

    /// The auth scheme, the GSS mechanism Negotiate can use here, and how messages are protected.
    static func describeSecurity(_ configuration: AgentConfiguration) -> (String, String) {
        let authentication: String
        switch configuration.winrmAuth {
        case .basic: authentication = "Basic"
        case .ntlm: authentication = "NTLM (libcurl's own scheme)"
        case .negotiate:
            let mechanism =
                AuthenticationDiagnosis.kerberosCacheExists()
                ? "Kerberos (a ticket cache is in reach; NTLM through gss-ntlmssp otherwise)"
                : AuthenticationDiagnosis.ntlmMechanismInstalled()
                    ? "NTLM through gss-ntlmssp (no Kerberos ticket)" : "none available (install gss-ntlmssp or kinit)"
            authentication = "Negotiate (SPNEGO) — mechanism: \(mechanism)"
        }
        let https = (configuration.winrmURL ?? "").lowercased().hasPrefix("https://")
        let messages =
            https
            ? "encrypted by TLS"
            : "NOT encrypted (http with winrm.allow_unencrypted; WinRM message encryption is not implemented yet — use https)"
        return (authentication, messages)
    }
}
