/// The time budget of one run. The management server kills the process `WAIT` seconds after it started it,
/// without grace; the run must have printed its answer before that.
///
/// * The operation (job waits, polling) gets `WAIT` minus a margin (10% of `WAIT`, between 0.5 s and 5 s) so the
///   service can stop cleanly, journal what it left running, and answer.
/// * A watchdog answers at `WAIT` − 0.3 s whatever is still running (a WinRM request stuck on the network), so an
///   answer is printed even then; the journal lets the next run adopt the work.
public struct ExtensionDeadline: Sendable, Equatable {
    public var wait: Duration?

    public init(waitSeconds: Int?) { wait = waitSeconds.map { .seconds($0) } }

    static let watchdogMargin: Duration = .milliseconds(300)

    /// The operation's timeout; `nil` without `WAIT`.
    public var operationTimeout: Duration? {
        guard let wait else { return nil }
        let margin = min(max(wait / 10, .milliseconds(500)), .seconds(5))
        return max(wait - margin, .milliseconds(100))
    }

    /// When the watchdog answers, from the start of the run; `nil` without `WAIT`.
    public var watchdog: Duration? {
        guard let wait else { return nil }
        return max(wait - Self.watchdogMargin, .milliseconds(50))
    }

    /// `min(a, b)` of optional limits.
    public static func tighter(_ a: Duration?, _ b: Duration?) -> Duration? {
        switch (a, b) {
        case (let a?, let b?): return min(a, b)
        default: return a ?? b
        }
    }
}
