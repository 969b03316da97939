import Foundation
import Logging
import TestSupport
import WSMan
import WSManCurl
import WinRMFixture
import XMLSupport

/// A simulator served over loopback HTTP and a client using the real libcurl transport.
struct SimulatorHarness {
    let simulator: HyperVSimulator
    let fixture: RunningFixture
    let transport: CurlTransport
    /// The simulated host's clock: auto-advancing virtual time, so job and merge durations cost no wall time.
    let clock: ManualClock
    var client: WSManClient { WSManClient(transport: transport) }

    static let user = "hvadmin"
    static let password = "p@ss'w<rd>&"

    static func start(
        host: SimulatedHost = .defaultInventory(), configure: (inout HyperVSimulator.Configuration) -> Void = { _ in }
    ) async throws -> SimulatorHarness {
        let clock = ManualClock.autoAdvancing()
        var configuration = HyperVSimulator.Configuration()
        configuration.clock = clock.epochSeconds
        configure(&configuration)
        let faults = FaultInjector()
        let simulator = HyperVSimulator(host: host, configuration: configuration, faults: faults)
        let fixture = try await FixtureServer.startQuiet(
            simulator, user: user, password: password, faults: faults, inspector: simulator)
        var settings = CurlTransportConfiguration(url: fixture.url)
        settings.allowUnencrypted = true
        settings.authentication = .basic
        settings.username = user
        settings.password = password
        settings.timeoutSeconds = 10
        return SimulatorHarness(
            simulator: simulator, fixture: fixture, transport: try CurlTransport(configuration: settings), clock: clock)
    }

    func stop() async { await fixture.stop() }

    /// Sends raw envelope text and returns the classified body or error.
    func raw(_ xml: String) async throws -> WSManHTTPResponse {
        try await transport.send(Array(xml.utf8), action: "raw")
    }
}

let vmResource = ResourceURI.v2("Msvm_ComputerSystem")
let snapshotService = ResourceURI.v2("Msvm_VirtualSystemSnapshotService")
let managementService = ResourceURI.v2("Msvm_VirtualSystemManagementService")
let imageService = ResourceURI.v2("Msvm_ImageManagementService")
let runningVM = "3A1F6C2E-5B7D-4C8A-9E01-2F3B4C5D6E7F"
let stoppedVM = "6E5D4C3B-2A19-4F8E-8D7C-6B5A4F3E2D1C"

func vmEPR(_ id: String) -> EndpointReference {
    EndpointReference(
        resourceURI: vmResource,
        selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", id)])
}

func settingsEPR(_ guid: String) -> EndpointReference {
    EndpointReference(
        resourceURI: ResourceURI.v2("Msvm_VirtualSystemSettingData"),
        selectors: [Selector("InstanceID", "Microsoft:\(guid)")])
}

func service(_ uri: String, _ method: String, _ parameters: [InvokeParameter]) -> InvokeRequest {
    InvokeRequest(
        resourceURI: uri, method: method, selectors: [Selector("CreationClassName", ResourceURI.className(of: uri))],
        parameters: parameters)
}

extension SimulatorHarness {
    /// Polls a job until it leaves the running states; each pause moves the host's virtual clock on by 20 ms.
    func waitForJob(_ job: EndpointReference) async throws -> WSManInstance {
        for _ in 0..<200 {
            let instance = try await client.get(GetRequest(job))
            if let state = instance.int("JobState"), ![2, 3, 4, 6].contains(state) { return instance }
            await clock.sleep(.milliseconds(20))
        }
        throw TranscriptError(message: "job did not finish")
    }
}

extension SimulatorHarness: AsyncStoppable {}

extension WSManClient {
    /// Polls a job on a zero-delay host until it leaves the running states (such jobs finish at once: no pause).
    func waitForJob(_ job: EndpointReference) async throws -> WSManInstance {
        for _ in 0..<200 {
            let instance = try await get(GetRequest(job))
            if let state = instance.int("JobState"), ![2, 3, 4, 6].contains(state) { return instance }
            await Task.yield()
        }
        throw TranscriptError(message: "job did not finish")
    }
}
