import Foundation
import Synchronization

/// Prometheus metrics of the agent, rendered in the text exposition format (version 0.0.4):
/// commands by class and result, command duration histograms, WS-Man round trips and errors, in-flight
/// operations, Hyper-V job wait time.
public final class AgentMetrics: Sendable {
    struct Histogram {
        var buckets: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(buckets: [Double]) {
            self.buckets = buckets
            counts = Array(repeating: 0, count: buckets.count)
        }

        mutating func observe(_ value: Double) {
            for (index, bound) in buckets.enumerated() where value <= bound { counts[index] += 1 }
            sum += value
            count += 1
        }
    }

    struct State {
        var commands: [String: Int] = [:]  // "class|result"
        var durations: [String: Histogram] = [:]  // class
        var inFlight = 0
        var roundTrips: [String: Int] = [:]  // action
        var wsmanErrors: [String: Int] = [:]  // kind
        var jobWaits: [String: Histogram] = [:]  // method
    }

    static let commandBuckets = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800]
    static let jobBuckets = [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800]
    private let state = Mutex(State())

    public init() {}

    public func commandStarted() { state.withLock { $0.inFlight += 1 } }

    public func commandFinished(commandClass: String, result: Bool, seconds: Double) {
        let name = Self.shortName(commandClass)
        state.withLock {
            $0.inFlight -= 1
            $0.commands["\(name)|\(result)", default: 0] += 1
            $0.durations[name, default: Histogram(buckets: Self.commandBuckets)].observe(seconds)
        }
    }

    public func roundTrip(action: String, failure: String?) {
        let name = Self.shortName(action)
        state.withLock {
            $0.roundTrips[name, default: 0] += 1
            if let failure { $0.wsmanErrors[failure, default: 0] += 1 }
        }
    }

    public func jobWaited(method: String, seconds: Double) {
        state.withLock { $0.jobWaits[method, default: Histogram(buckets: Self.jobBuckets)].observe(seconds) }
    }

    static func shortName(_ uri: String) -> String {
        String(uri.split(whereSeparator: { $0 == "." || $0 == "/" }).last ?? Substring(uri))
    }

    /// The text exposition.
    public func render() -> String {
        let s = state.withLock { $0 }
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func histogram(_ name: String, _ label: String, _ values: [String: Histogram]) {
            for (key, h) in values.sorted(by: { $0.key < $1.key }) {
                for (bound, count) in zip(h.buckets, h.counts) {
                    out += "\(name)_bucket{\(label)=\"\(key)\",le=\"\(bound)\"} \(count)\n"
                }
                out += "\(name)_bucket{\(label)=\"\(key)\",le=\"+Inf\"} \(h.count)\n"
                out += "\(name)_sum{\(label)=\"\(key)\"} \(h.sum)\n\(name)_count{\(label)=\"\(key)\"} \(h.count)\n"
            }
        }
        header("hyperv_agent_commands_total", "counter", "CloudStack commands answered, by command and result.")
        for (key, value) in s.commands.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|")
            out += "hyperv_agent_commands_total{command=\"\(parts[0])\",result=\"\(parts[1])\"} \(value)\n"
        }
        header("hyperv_agent_command_duration_seconds", "histogram", "Time to answer a CloudStack command.")
        histogram("hyperv_agent_command_duration_seconds", "command", s.durations)
        header("hyperv_agent_commands_in_flight", "gauge", "VM-snapshot operations running now.")
        out += "hyperv_agent_commands_in_flight \(s.inFlight)\n"
        header(
            "hyperv_agent_wsman_round_trips_total", "counter", "WS-Man requests sent to the Hyper-V host, by action.")
        for (key, value) in s.roundTrips.sorted(by: { $0.key < $1.key }) {
            out += "hyperv_agent_wsman_round_trips_total{action=\"\(key)\"} \(value)\n"
        }
        header("hyperv_agent_wsman_errors_total", "counter", "WS-Man exchanges that failed, by kind.")
        for (key, value) in s.wsmanErrors.sorted(by: { $0.key < $1.key }) {
            out += "hyperv_agent_wsman_errors_total{kind=\"\(key)\"} \(value)\n"
        }
        header("hyperv_agent_job_wait_seconds", "histogram", "Time spent waiting for Hyper-V jobs, by method.")
        histogram("hyperv_agent_job_wait_seconds", "method", s.jobWaits)
        return out
    }
}
