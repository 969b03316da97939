import Foundation
import HyperV
import Synchronization
import TestSupport
import Testing
import WSMan
import WinRMFixture

/// JobWaiter against simulated jobs on a virtual clock: what it reports, when it gives up, how often it asks.
@Suite struct JobWaiterTests {
    /// Starts a CreateSnapshot job of the stopped VM on a simulator whose jobs take `milliseconds`.
    func startJob(milliseconds: Int, clock: ManualClock, faults: FaultInjector = FaultInjector()) async throws -> (
        WSManClient, EndpointReference
    ) {
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configuration.jobDelayMilliseconds = milliseconds
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
        #expect(clock.elapsed >= .seconds(60) && clock.elapsed <= .seconds(63))
        // Capped backoff: about one poll per cap interval once the short first polls are over.
        #expect(clock.sleeps <= 60 / 2 + 12, "\(clock.sleeps) polls in 60 s")
    }

    @Test func theScheduleStartsShortAndIsCapped() {
        let schedule = PollSchedule(first: .milliseconds(50), cap: .seconds(2))
        #expect(schedule.delay(beforePoll: 0) == .zero)
        #expect(schedule.delay(beforePoll: 1) == .milliseconds(50))
        #expect(schedule.delay(beforePoll: 2) == .milliseconds(100))
        #expect(schedule.delay(beforePoll: 10) == .seconds(2))
        #expect(schedule.delay(beforePoll: 10_000) == .seconds(2))
    }
}
