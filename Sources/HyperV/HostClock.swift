/// The time source of everything that waits on a Hyper-V host: job polls, merge waits, deadlines.
///
/// Production uses ``live``; tests pass a clock they control, so no test waits on the wall clock to order events.
public struct HostClock: Sendable {
    public var now: @Sendable () -> ContinuousClock.Instant
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.now = now
        self.sleep = sleep
    }

    public static let live = HostClock(now: { ContinuousClock.now }, sleep: { try await Task.sleep(for: $0) })
}
