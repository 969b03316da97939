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
            let (authentication, messages) = Self.describeSecurity(runtime.curl)
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
                print("preserved VMs:     \(report.preservedVMs) (kept across a CloudStack stop with their checkpoints)")
                print("authentication:    \(authentication)")
                print("messages:          \(messages)")
                print("round trips:       \(report.roundTrips)")
            }
        }
    }

    /// The auth scheme, the GSS mechanism actually negotiated, and how messages were protected.
    static func describeSecurity(_ transport: CurlTransport) -> (String, String) {
        let configuration = transport.configuration
        let statistics = transport.statistics
        let https = configuration.url.lowercased().hasPrefix("https://")
        let authentication: String
        switch configuration.authentication {
        case .basic: authentication = "Basic"
        case .ntlm: authentication = "NTLM (libcurl's own scheme)"
        case .negotiate:
            let mechanism: String =
                switch statistics.mechanism {
                case .kerberos?: "Kerberos"
                case .ntlm?: "NTLM (gss-ntlmssp)"
                case .unknown?, nil: "not established"
                }
            authentication = "Negotiate (SPNEGO) — mechanism: \(mechanism)"
        }
        let messages: String
        if statistics.messagesSealed {
            let sealing = statistics.mechanism == .kerberos ? "Kerberos sealing" : "NTLM sealing"
            messages =
                "encrypted with WinRM message encryption (\(sealing), multipart/encrypted)\(https ? " inside TLS" : "")"
        } else if https {
            messages = "encrypted by TLS"
        } else {
            messages = "NOT encrypted (plain http, winrm.allow_unencrypted = true)"
        }
        return (authentication, messages)
    }
}
