/// The argument list as the management server passes it — `ACTION PAYLOAD_FILE [WAIT]` — with `--config FILE`
/// accepted anywhere (a wrapper may add it before or after).
public struct ExtensionInvocation: Sendable, Equatable {
    public var action: String
    public var payloadPath: String
    /// Seconds the management server waits before killing the process; `nil` (or 0) = no limit given.
    public var wait: Int?
    public var configPath: String?
    /// The arguments without `--config`: what the fallback receives.
    public var forwarded: [String]

    public init(arguments: [String]) throws(ExtensionError) {
        var positional: [String] = []
        var configPath: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--config" {
                guard index + 1 < arguments.count else {
                    throw ExtensionError(.usage, "--config needs a file")
                }
                configPath = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix("--config=") {
                configPath = String(argument.dropFirst("--config=".count))
            } else {
                positional.append(argument)
            }
            index += 1
        }
        guard positional.count == 2 || positional.count == 3 else {
            throw ExtensionError(
                .usage,
                "usage: hyperv-agent extension ACTION PAYLOAD_FILE [WAIT] [--config FILE] (got \(positional.count) arguments)"
            )
        }
        action = positional[0]
        payloadPath = positional[1]
        if positional.count == 3 {
            guard let seconds = Int(positional[2]), seconds >= 0 else {
                throw ExtensionError(.usage, "WAIT must be a whole number of seconds, got \(positional[2])")
            }
            wait = seconds == 0 ? nil : seconds
        }
        self.configPath = configPath
        forwarded = positional
    }
}
