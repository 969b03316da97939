import WSMan

/// An asynchronous `Msvm_ConcreteJob` of the simulator. Its effect on the host is applied when it completes.
struct SimulatedJob: Sendable {
    enum Effect: Sendable {
        case createCheckpoint(vmID: String, memory: Bool, failure: String?)
        case applyCheckpoint(id: String)
        case destroyCheckpoint(id: String)
        case destroyTree(id: String)
        case clearState(id: String)
        case changeState(vmID: String, to: Int)
        /// `ModifySystemSettings` on a VM's or a checkpoint's settings (already validated).
        case modifySettings(id: String, checkpointType: Int?, name: String?, notes: String?)
        /// `DestroySystem` of a VM (configuration and checkpoints gone, files kept) or of a planned VM.
        case destroySystem(id: String)
        /// `ExportSystemDefinition`, configuration only, into `directory` (`<directory>\<VM name>` with a subdirectory).
        case exportSystem(id: String, directory: String, subdirectory: Bool, checkpoints: Bool)
        case validatePlanned(id: String)
        case realizePlanned(id: String)
        /// The job fails with this ErrorCode (a parameter the host rejects only once the job runs).
        case fail(code: Int, description: String)
    }

    let id: String
    let method: String
    /// 70 snapshot, 71 apply, 72 delete, 73 clear state, 94 state change (CIM_ConcreteJob JobType values).
    let jobType: Int
    let startedAt: Double
    let duration: Double
    let effect: Effect
    /// An injected ErrorCode: the job ends in JobState 10 without its effect.
    let injectedErrorCode: Int?
    /// Ends "completed with warnings" (32768).
    var withWarnings = false
    /// Forgotten by the host as soon as it ends.
    var vanishes = false
    var state = 4
    var errorCode = 0
    var errorDescription: String?
    var completedAt: Double?
    /// `Msvm_AffectedJobElement` rows, visible once completed: (element, ElementEffects).
    var affected: [(EndpointReference, Int)] = []

    func percentComplete(now: Double) -> Int {
        if state != 4 { return 100 }
        guard duration > 0 else { return 99 }
        return min(99, Int((now - startedAt) / duration * 100))
    }

    var epr: EndpointReference {
        EndpointReference(resourceURI: ResourceURI.v2("Msvm_ConcreteJob"), selectors: [Selector("InstanceID", id)])
    }

    func instance(now: Double) -> FixtureInstance {
        let running = state == 4
        return FixtureInstance(
            className: "Msvm_ConcreteJob",
            properties: [
                "Cancellable": .string("true"), "Caption": .string(method), "CommunicationStatus": nil,
                "Description": .string(method),
                "ElapsedTime": .interval(Self.interval(seconds: (completedAt ?? now) - startedAt)),
                "ElementName": .string(method), "ErrorCode": .string(String(errorCode)),
                "ErrorDescription": errorDescription.map { .string($0) } ?? nil,
                "ErrorSummaryDescription": errorDescription.map { .string($0) } ?? nil,
                "InstanceID": .string(id), "JobRunTimes": .string("1"), "JobState": .string(String(state)),
                "JobStatus": .string(
                    running
                        ? "Job is running"
                        : state == 7
                            ? "Job completed successfully"
                            : state == 32768 ? "Job completed with warnings" : "Job failed"),
                "JobType": .string(String(jobType)), "PercentComplete": .string(String(percentComplete(now: now))),
                "StartTime": SimulatedHost.datetime(startedAt), "Status": .string(state == 10 ? "Error" : "OK"),
                "TimeBeforeRemoval": .interval("00000000000500.000000:000"),
                "TimeSubmitted": SimulatedHost.datetime(startedAt),
            ])
    }

    /// CIM interval text `ddddddddHHMMSS.mmmmmm:000`.
    static func interval(seconds: Double) -> String {
        let total = max(0, Int(seconds))
        let micros = max(0, Int((seconds - Double(total)) * 1_000_000))
        func pad(_ v: Int, _ w: Int) -> String {
            String(repeating: "0", count: max(0, w - String(v).count)) + String(v)
        }
        return pad(total / 86_400, 8) + pad(total % 86_400 / 3600, 2) + pad(total % 3600 / 60, 2) + pad(total % 60, 2)
            + "."
            + pad(micros, 6) + ":000"
    }
}
