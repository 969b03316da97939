import Foundation
import Synchronization
import TestSupport
import Testing
import WSMan
import WinRMFixture

@testable import HyperV

/// JobWaiter against simulated jobs on a virtual clock: what it reports, when it gives up, how often it asks.
@Suite struct JobWaiterTests {
    /// Starts a CreateSnapshot job of the stopped VM on a simulator whose jobs take `milliseconds`.
    func startJob(
        milliseconds: Int, clock: ManualClock, faults: FaultInjector = FaultInjector(), latencyMilliseconds: Int = 0
    ) async throws -> (WSManClient, EndpointReference) {
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configuration.jobDelayMilliseconds = milliseconds
        configuration.latencyMilliseconds = latencyMilliseconds
        configuration.sleep = { duration in try? await clock.hostClock.sleep(duration) }
        let simulator = HyperVSimulator(configuration: configuration, faults: faults)
        let client = WSManClient(transport: InMemoryTransport(responder: simulator))
        let vm = EndpointReference(
            resourceURI: Msvm.uri(Msvm.computerSystem),
            selectors: [
                Selector("CreationClassName", Msvm.computerSystem), Selector("Name", ServiceHarness.stoppedVMID),
            ])
        let output = try await client.invoke(
            InvokeRequest(
                resourceURI: Msvm.uri(Msvm.snapshotService), method: "CreateSnapshot",
                selectors: Msvm.serviceSelectors(Msvm.snapshotService),
                parameters: [.reference("AffectedSystem", vm), .scalar("SnapshotType", "2")]))
        return (client, try #require(output.job))
    }

    @Test func aJobIsFollowedToCompletionWithProgress() async throws {
        let clock = ManualClock.autoAdvancing()
        let (client, job) = try await startJob(milliseconds: 1000, clock: clock)
        let seen = Mutex<[Int]>([])
        var waiter = JobWaiter(client: client)
        waiter.clock = clock.hostClock
        waiter.onProgress = { progress in seen.withLock { $0.append(progress.percent) } }
        let done = try await waiter.wait(for: job, method: "CreateSnapshot", vm: "v", timeout: .seconds(60))
        #expect(done.int("JobState") == 7)
        let percents = seen.withLock { $0 }
        #expect(percents.first == 0 && percents.last == 100)
        #expect(percents == percents.sorted(), "progress only grows")
        #expect(clock.elapsed >= .seconds(1))
    }

    @Test func aFailedJobCarriesItsNamedErrorCode() async throws {
        let clock = ManualClock.autoAdvancing()
        let faults = FaultInjector()
        faults.inject(.failJob(method: "CreateSnapshot", errorCode: 32768))
        let (client, job) = try await startJob(milliseconds: 200, clock: clock, faults: faults)
        var waiter = JobWaiter(client: client)
        waiter.clock = clock.hostClock
        let error = await #expect(throws: HyperVError.self) {
            try await waiter.wait(for: job, method: "CreateSnapshot", vm: "v", timeout: .seconds(60))
        }
        #expect(error?.code == .jobFailed)
        #expect(error?.jobErrorCode == 32768)
        #expect(error?.message.contains("32768") == true)
    }

    @Test func aJobThatNeverEndsTimesOutAtTheDeadlineWithBoundedPolls() async throws {
        let clock = ManualClock.autoAdvancing()
        let (client, job) = try await startJob(milliseconds: 86_400_000, clock: clock)
        var waiter = JobWaiter(client: client)
        waiter.clock = clock.hostClock
        let error = await #expect(throws: HyperVError.self) {
            try await waiter.wait(for: job, method: "CreateSnapshot", vm: "v", timeout: .seconds(60))
        }
        #expect(error?.code == .jobTimedOut)
        #expect(
            clock.elapsed >= .seconds(60) && clock.elapsed <= .milliseconds(60_100), "the last look is at the deadline")
        // The pause grows with the time waited: about 20 looks in the first 100 ms, then 5% more each time.
        #expect(clock.sleeps <= 160, "\(clock.sleeps) polls in 60 s")
    }

    /// DESIGN §12: a finished job is noticed within 10% of its duration plus one round trip, for jobs from 100 ms to
    /// 10 minutes, with a bounded number of polls — measured on virtual time with 25 ms per request, as on a real host.
    @Test(arguments: [100, 1_000, 10_000, 600_000])
    func aFinishedJobIsNoticedWithinTenPercentPlusOneRoundTrip(milliseconds: Int) async throws {
        let clock = ManualClock.autoAdvancing()
        let latency = Duration.milliseconds(25)
        let (client, job) = try await startJob(
            milliseconds: milliseconds, clock: clock, latencyMilliseconds: 25)
        let invoked = clock.elapsed  // the job started on the host half a round trip ago
        let sleepsBefore = clock.sleeps
        var waiter = JobWaiter(client: client)
        waiter.clock = clock.hostClock
        _ = try await waiter.wait(for: job, method: "CreateSnapshot", vm: "v", timeout: .seconds(3600))
        let duration = Duration.milliseconds(milliseconds)
        let finished = invoked - latency / 2 + duration
        let lag = clock.elapsed - finished
        #expect(lag >= .zero)
        #expect(lag <= duration / 10 + latency, "noticed \(lag) after a \(duration) job finished")
        // Each poll costs two latency sleeps and at most one pause.
        let polls = (clock.sleeps - sleepsBefore) / 3 + 1
        #expect(polls <= 120, "\(polls) polls for a \(duration) job")
    }

    @Test(arguments: [
        ("00000000000001.500000:000", Duration.milliseconds(1500)),
        ("00000001020304.000250:000", .seconds(93784) + .microseconds(250)),
        ("PT1.5S", .milliseconds(1500)), ("P1DT2H3M4S", .seconds(93784)), ("PT0S", .zero),
    ])
    func hostIntervalsAreRead(text: String, expected: Duration) {
        #expect(JobWaiter.interval(text) == expected)
    }

    @Test func oddIntervalsAreIgnored() {
        for text in ["", "soon", "P", "PT1.5", "00000000000001.5:000", "P1H"] {
            #expect(JobWaiter.interval(text) == nil, "\(text)")
        }
    }

    @Test func theScheduleFollowsTheElapsedTimeAndTheReportedProgress() {
        let schedule = PollSchedule(minimum: .milliseconds(5), maximum: .seconds(30), fraction: 0.05)
        #expect(schedule.delay(elapsed: .zero) == .milliseconds(5), "never more often than the minimum")
        #expect(schedule.delay(elapsed: .seconds(1)) == .milliseconds(50))
        #expect(schedule.delay(elapsed: .seconds(3600)) == .seconds(30), "capped")
        // 94% after 940 ms: done at about 995 ms (94.5%); look again just after it (55 − 25 + 10 ms), within 1 ms.
        let near = schedule.delay(elapsed: .milliseconds(940), percent: 94, roundTrip: .milliseconds(25))
        #expect(near > .milliseconds(39) && near < .milliseconds(41), "\(near)")
        // Far from the end: fewer looks, but never beyond twice the fraction of the time waited.
        #expect(schedule.delay(elapsed: .seconds(1), percent: 10) == .milliseconds(100))
        #expect(schedule.delay(elapsed: .seconds(1), percent: 0) == .milliseconds(50), "no progress: the fraction")
        // Steady progress (two looks projecting the same end, 1.95 s at 19% and 2.05 s at 20% → 10 s): aim just
        // past it, however far.
        let steady = schedule.delay(
            elapsed: .milliseconds(2050), percent: 20, roundTrip: .milliseconds(25),
            previous: PollSchedule.Observation(elapsed: .milliseconds(1950), percent: 19))
        #expect(steady > .milliseconds(8_024) && steady < .milliseconds(8_026), "\(steady)")
        // Below 10% a whole percent is too coarse to plan by: the fraction rule.
        let coarse = schedule.delay(
            elapsed: .milliseconds(120), percent: 2, roundTrip: .milliseconds(25),
            previous: PollSchedule.Observation(elapsed: .milliseconds(60), percent: 1))
        #expect(coarse == .milliseconds(12))
        // Unsteady progress (projections 10 s and 4 s): the fraction rule.
        let unsteady = schedule.delay(
            elapsed: .seconds(2), percent: 50, roundTrip: .milliseconds(25),
            previous: PollSchedule.Observation(elapsed: .seconds(1), percent: 10))
        #expect(unsteady == .milliseconds(200))
    }
}
