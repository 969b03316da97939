import Foundation
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
/// than `maximum`. When the job reports steady progress, the next look aims just past the end it projects.
public struct PollSchedule: Sendable, Equatable {
    public var minimum: Duration
    public var maximum: Duration
    public var fraction: Double

    public init(minimum: Duration = .milliseconds(5), maximum: Duration = .seconds(30), fraction: Double = 0.05) {
        self.minimum = minimum
        self.maximum = maximum
        self.fraction = fraction
    }

    /// A look at a running job: how long it had run and the `PercentComplete` it reported.
    public struct Observation: Sendable, Equatable {
        public var elapsed: Duration
        public var percent: Int
        public init(elapsed: Duration, percent: Int) {
            self.elapsed = elapsed
            self.percent = percent
        }
        /// The job's total duration if it progresses at the rate seen so far. `PercentComplete` is a whole number
        /// (17 means 17–18%): the middle of that range is used, and only from 10% on is it precise enough to plan by.
        var projectedTotal: Duration? {
            (1...99).contains(percent) ? elapsed * (100.0 / (Double(percent) + 0.5)) : nil
        }
        var isPrecise: Bool { percent >= 10 }
    }

    /// The pause before the next poll.
    /// - Parameters:
    ///   - elapsed: how long the job has run, as of the last poll's observation.
    ///   - percent: its `PercentComplete` then.
    ///   - roundTrip: what the last poll cost (its observation happened about half-way through).
    ///   - previous: the observation before, if any. When both project the same end (within 10%), the progress is
    ///     trusted: the next look is aimed just past that end, however far. Otherwise the pause is a fraction of the
    ///     time waited — shortened when the projection says the end is nearer — so a wrong projection never costs
    ///     more than twice that fraction.
    public func delay(
        elapsed: Duration, percent: Int? = nil, roundTrip: Duration = .zero, previous: Observation? = nil
    ) -> Duration {
        var delay = elapsed * fraction
        let now = Observation(elapsed: elapsed, percent: percent ?? 0)
        if let total = now.projectedTotal {
            // Arrive just after the projected end: the time left, minus the half round trip spent receiving the last
            // answer and the half the next request spends on its way, plus 1% of slack.
            let aim = max(total - elapsed - roundTrip + total * 0.01, .zero)
            if let previous, previous.isPrecise, now.isPrecise, let earlier = previous.projectedTotal,
                abs(Self.seconds(earlier) / Self.seconds(total) - 1) <= 0.1
            {
                delay = aim
            } else {
                delay = min(aim, delay * 2)
            }
        }
        return min(max(delay, minimum), maximum)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Polls `Msvm_ConcreteJob` (or `Msvm_StorageJob`: the EPR's resource URI is used) until it completes, fails or the
/// deadline passes. Failures carry the job's ErrorCode (named) and ErrorDescription.
public struct JobWaiter: Sendable {
    public let client: WSManClient
    public var schedule = PollSchedule()
    public var clock = HostClock.live
    public var onProgress: @Sendable (JobProgress) -> Void = { _ in }
    /// A job "completed with warnings" (JobState 32768) is a success; its warning goes here (logged by the client).
    public var onWarning: @Sendable (String) -> Void = { _ in }
    /// Consecutive failed polls tolerated (dropped connections, WinRM internal errors): real hosts have them
    /// while busy (go-wsman tolerates 5, real-hosts-2026 §8).
    public var toleratedPollFailures = 5

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
        var failedPolls = 0
        var previous: PollSchedule.Observation?
        var first = true
        var delay = Duration.zero
        while true {
            if !first {
                let pause = min(delay, max(deadline - clock.now(), .zero))
                if pause > .zero {
                    do { try await clock.sleep(pause) } catch {
                        throw HyperVError(
                            .jobTimedOut, "\(method) on VM \(vm ?? "?"): waiting for job \(jobID) was cancelled", vm: vm
                        )
                    }
                }
            }
            first = false
            let sent = clock.now()
            let instance: WSManInstance
            do {
                instance = try await client.get(GetRequest(job))
                failedPolls = 0
            } catch {
                if Self.isGone(error) {
                    throw HyperVError(
                        .jobVanished,
                        "\(method) on VM \(vm ?? "?"): the host no longer knows job \(jobID) (its retention time passed before its end was seen)",
                        vm: vm)
                }
                failedPolls += 1
                guard Self.isTransient(error), failedPolls <= toleratedPollFailures, clock.now() < deadline else {
                    throw .wsman(error, doing: "polling job \(jobID) of \(method)", vm: vm)
                }
                // Back off while the host hiccups: 0.1, 0.2, 0.4, 0.8, 1.6 s — five failures span about 3 s.
                delay = max(delay, .milliseconds(100 << min(failedPolls - 1, 6)))
                continue
            }
            let received = clock.now()
            let state = instance.int("JobState") ?? -1
            let percent = instance.int("PercentComplete") ?? 0
            if percent != lastPercent || !JobState.running.contains(state) {
                onProgress(JobProgress(method: method, jobID: jobID, percent: percent, state: state))
                lastPercent = percent
            }
            if state == JobState.completedWithWarnings {
                // "Completed with warnings" is a success (os-win jobutils treats it so); keep what it says.
                let text =
                    instance.string("ErrorDescription") ?? instance.string("ErrorSummaryDescription") ?? "no details"
                onWarning("\(method) on VM \(vm ?? "?"): job \(jobID) completed with warnings: \(text)")
                return instance
            }
            if state == JobState.completed {
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
            // The job was observed about half-way through the poll; it started (for us) when the invoke answered,
            // half a round trip after it started on the host — the host's own ElapsedTime is exact when it has one.
            let roundTrip = received - sent
            let ours = sent + roundTrip / 2 - started
            let elapsed = max(ours, instance.string("ElapsedTime").flatMap(Self.interval) ?? .zero)
            delay = schedule.delay(elapsed: elapsed, percent: percent, roundTrip: roundTrip, previous: previous)
            previous = PollSchedule.Observation(elapsed: elapsed, percent: percent)
        }
    }

    /// The object polled no longer exists: WinRM's `a:DestinationUnreachable` ("cannot find the resource identified
    /// by the resource URI and selectors" — localized, so the subcode decides; hyperv-wsman.md §3 on vanished jobs),
    /// or WMI's WBEM_E_NOT_FOUND / CIM_ERR_NOT_FOUND.
    static func isGone(_ error: WSManError) -> Bool {
        guard let fault = error.fault else { return false }
        let notFound: UInt64 = 0x8004_1002
        return fault.subcode?.hasSuffix("DestinationUnreachable") == true || fault.wmiErrorCode == notFound
            || fault.wsmanCode == notFound || fault.cimStatusCode == 6
    }

    /// A failure worth another look: the connection or the service hiccuped, the job itself is not in question.
    static func isTransient(_ error: WSManError) -> Bool {
        switch error.code {
        case .transport:
            switch error.transport?.code {
            case .connect?, .timeout?, .connectionLost?, .other?: return true
            default: return false
            }
        case .malformedResponse: return true
        case .fault, .unexpectedStatus:
            return (error.httpStatus ?? 500) >= 500 && error.fault?.subcode?.hasSuffix("InternalError") != false
        default: return false
        }
    }

    /// A CIM interval: DMTF `ddddddddhhmmss.mmmmmm:000` (WMI) or `xs:duration` `PnDTnHnMn.nS` (the WS-Man binding).
    static func interval(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.count == 25, text.hasSuffix(":000"), let dot = text.firstIndex(of: ".") {
            let digits = text[..<dot]
            guard digits.count == 14, let days = Int(digits.prefix(8)), let hours = Int(digits.dropFirst(8).prefix(2)),
                let minutes = Int(digits.dropFirst(10).prefix(2)), let seconds = Int(digits.dropFirst(12)),
                let micros = Int(text[text.index(after: dot)...].prefix(6))
            else { return nil }
            return .seconds(((days * 24 + hours) * 60 + minutes) * 60 + seconds) + .microseconds(micros)
        }
        guard text.hasPrefix("P") else { return nil }
        var total = 0.0
        var number = ""
        var inTime = false
        var components = 0
        for character in text.dropFirst() {
            switch character {
            case "T": inTime = true
            case "0"..."9", ".": number.append(character)
            case "D", "H", "M", "S":
                guard let value = Double(number) else { return nil }
                switch (character, inTime) {
                case ("D", false): total += value * 86_400
                case ("H", true): total += value * 3600
                case ("M", true): total += value * 60
                case ("S", true): total += value
                default: return nil
                }
                number = ""
                components += 1
            default: return nil
            }
        }
        return number.isEmpty && components > 0 ? .milliseconds(Int64((total * 1000).rounded())) : nil
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
