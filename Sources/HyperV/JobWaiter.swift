import WSMan

/// Progress of a Hyper-V job, reported while waiting.
public struct JobProgress: Sendable, Equatable {
    public var method: String
    public var jobID: String
    public var percent: Int
    public var state: Int
}

/// When to look at a running job again: soon enough that a finished job is noticed within `fraction` of the time it
/// ran (plus the poll's round trip), never more often than every `minimum` (plus a round trip), never waiting more
/// than `maximum`. When the job reports progress, the next look aims just past its estimated completion, within
/// twice that fraction: sooner when the end is near, fewer looks when it is far.
public struct PollSchedule: Sendable, Equatable {
    public var minimum: Duration
    public var maximum: Duration
    public var fraction: Double

    public init(minimum: Duration = .milliseconds(5), maximum: Duration = .seconds(30), fraction: Double = 0.05) {
        self.minimum = minimum
        self.maximum = maximum
        self.fraction = fraction
    }

    /// The pause before the next poll.
    /// - Parameters:
    ///   - elapsed: how long the job has run, as of the last poll's observation.
    ///   - percent: its `PercentComplete` then, when it reported one between 1 and 99.
    ///   - roundTrip: what the last poll cost (its observation happened about half-way through).
    public func delay(elapsed: Duration, percent: Int? = nil, roundTrip: Duration = .zero) -> Duration {
        var delay = elapsed * fraction
        if let percent, (1...99).contains(percent) {
            let total = elapsed * (100.0 / Double(percent))
            // Arrive just after the estimated end: its remaining time, minus the half round trip already spent
            // receiving the last answer and the half the next request spends on its way, plus 1% of slack.
            let estimate = total - elapsed - roundTrip + total * 0.01
            // Sooner when the end is near; later (fewer polls) when it is far, but never beyond twice the fraction:
            // a wrong estimate still costs at most 2 × fraction of the job's duration.
            delay = max(min(estimate, delay * 2), .zero)
        }
        return min(max(delay, minimum), maximum)
    }
}

/// Polls `Msvm_ConcreteJob` (or `Msvm_StorageJob`: the EPR's resource URI is used) until it completes, fails or the
/// deadline passes. Failures carry the job's ErrorCode (named) and ErrorDescription.
public struct JobWaiter: Sendable {
    public let client: WSManClient
    public var schedule = PollSchedule()
    public var clock = HostClock.live
    public var onProgress: @Sendable (JobProgress) -> Void = { _ in }

    public init(client: WSManClient) {
        self.client = client
    }

    /// Waits for `job`, started by `method` on `vm`, for at most `timeout` from now (the last look happens at the
    /// deadline, not after it).
    public func wait(for job: EndpointReference, method: String, vm: String?, timeout: Duration)
        async throws(HyperVError) -> WSManInstance
    {
        let started = clock.now()
        let deadline = started + timeout
        let jobID = job.selector("InstanceID") ?? "?"
        var lastPercent = -1
        var first = true
        var delay = Duration.zero
        while true {
            if !first {
                let pause = min(delay, max(deadline - clock.now(), .zero))
                if pause > .zero {
                    do { try await clock.sleep(pause) } catch {
                        throw HyperVError(
                            .jobTimedOut, "\(method) on VM \(vm ?? "?"): waiting for job \(jobID) was cancelled", vm: vm)
                    }
                }
            }
            first = false
            let sent = clock.now()
            let instance: WSManInstance
            do {
                instance = try await client.get(GetRequest(job))
            } catch {
                throw .wsman(error, doing: "polling job \(jobID) of \(method)", vm: vm)
            }
            let received = clock.now()
            let state = instance.int("JobState") ?? -1
            let percent = instance.int("PercentComplete") ?? 0
            if percent != lastPercent || !JobState.running.contains(state) {
                onProgress(JobProgress(method: method, jobID: jobID, percent: percent, state: state))
                lastPercent = percent
            }
            if state == JobState.completed || state == JobState.completedWithWarnings {
                let code = instance.int("ErrorCode") ?? 0
                if code == 0 { return instance }
                throw failure(instance, method: method, vm: vm, jobID: jobID)
            }
            if JobState.failed.contains(state) { throw failure(instance, method: method, vm: vm, jobID: jobID) }
            if received >= deadline {
                throw HyperVError(
                    .jobTimedOut,
                    "\(method) on VM \(vm ?? "?"): job \(jobID) still \(JobState.name(state)) at \(percent)% after \(timeout); "
                        + "it keeps running on the host — retry the command later (it is idempotent) or raise hyperv.job_timeout_seconds",
                    vm: vm)
            }
            // The job was observed about half-way through the poll; it started (for us) when the invoke answered.
            let roundTrip = received - sent
            delay = schedule.delay(
                elapsed: sent + roundTrip / 2 - started, percent: percent, roundTrip: roundTrip)
        }
    }

    func failure(_ job: WSManInstance, method: String, vm: String?, jobID: String) -> HyperVError {
        let code = job.int("ErrorCode") ?? -1
        let text = job.string("ErrorDescription") ?? job.string("ErrorSummaryDescription") ?? "no description"
        var error = HyperVError(
            .jobFailed,
            "\(method) on VM \(vm ?? "?") failed: Hyper-V job \(jobID) ended \(JobState.name(job.int("JobState") ?? -1)) with error \(ReturnCode.describe(code)): \(text)",
            vm: vm)
        error.jobErrorCode = code
        return error
    }
}
