import WSMan

/// Progress of a Hyper-V job, reported while waiting.
public struct JobProgress: Sendable, Equatable {
    public var method: String
    public var jobID: String
    public var percent: Int
    public var state: Int
}

/// The polling schedule: short first polls, doubling, capped, bounded by a deadline.
public struct PollSchedule: Sendable, Equatable {
    /// Delay before the n-th poll (0-based): 0, first, 2×first, 4×first … capped at `cap`.
    public var first: Duration = .milliseconds(50)
    public var cap: Duration = .seconds(2)

    public init(first: Duration = .milliseconds(50), cap: Duration = .seconds(2)) {
        self.first = first
        self.cap = cap
    }

    public func delay(beforePoll index: Int) -> Duration {
        guard index > 0 else { return .zero }
        var delay = first
        for _ in 1..<min(index, 32) {
            delay = delay * 2
            if delay >= cap { return cap }
        }
        return min(delay, cap)
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

    /// Waits for `job`, started by `method` on `vm`, until `deadline` after now.
    public func wait(for job: EndpointReference, method: String, vm: String?, timeout: Duration)
        async throws(HyperVError) -> WSManInstance
    {
        let deadline = clock.now() + timeout
        let jobID = job.selector("InstanceID") ?? "?"
        var poll = 0
        var lastPercent = -1
        while true {
            let delay = schedule.delay(beforePoll: poll)
            if delay > .zero {
                do { try await clock.sleep(delay) } catch {
                    throw HyperVError(
                        .jobTimedOut, "\(method) on VM \(vm ?? "?"): waiting for job \(jobID) was cancelled", vm: vm)
                }
            }
            poll += 1
            let instance: WSManInstance
            do {
                instance = try await client.get(GetRequest(job))
            } catch {
                throw .wsman(error, doing: "polling job \(jobID) of \(method)", vm: vm)
            }
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
            if clock.now() >= deadline {
                throw HyperVError(
                    .jobTimedOut,
                    "\(method) on VM \(vm ?? "?"): job \(jobID) still \(JobState.name(state)) at \(percent)% after \(timeout); "
                        + "it keeps running on the host — retry the command later (it is idempotent) or raise hyperv.job_timeout_seconds",
                    vm: vm)
            }
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
