// hyperv-bench: the performance figures of README.md, printed as a table. Run with `make bench` (release build).
import Checkpoints
import CloudStack
import Foundation
import HyperV
import Logging
import WSMan
import WSManCurl
import WinRMFixture
import XMLSupport

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

func microseconds(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    for _ in 0..<iterations { try body() }
    let elapsed = ContinuousClock.now - start
    return (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
        / Double(iterations)
}

func rssMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func ms(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

var quiet = Logger(label: "bench")
quiet.logLevel = .critical

// 1. Envelope build + response parse (pure libxml2 work).
let sample =
    #"<s:Envelope xml:lang="ja-JP" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse</a:Action></s:Header><s:Body><n:PullResponse><n:Items><p:Msvm_ComputerSystem xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ComputerSystem" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xsi:type="p:Msvm_ComputerSystem_Type"><p:Caption>VM</p:Caption><p:CommunicationStatus xsi:nil="true"/><p:CreationClassName>Msvm_ComputerSystem</p:CreationClassName><p:ElementName>vm-1</p:ElementName><p:EnabledState>3</p:EnabledState><p:InstallDate><cim:Datetime>2026-10-08T15:15:36.68424Z</cim:Datetime></p:InstallDate><p:Name>00000000-0000-4000-8000-000000000012</p:Name><p:OperationalStatus>2</p:OperationalStatus></p:Msvm_ComputerSystem></n:Items><n:EndOfSequence/></n:PullResponse></s:Body></s:Envelope>"#
let sampleBytes = Array(sample.utf8)
let iterations = 20_000
let buildEnumerate = try microseconds(iterations) {
    _ = try EnumerateRequest(wql: WQL.select(from: "Msvm_ComputerSystem", where: [("ElementName", "i-2-17-VM")]))
        .envelope(to: "https://hv:5986/wsman", messageID: "uuid:1").serializedBytes()
}
let buildInvoke = try microseconds(iterations) {
    let vm = EndpointReference(
        resourceURI: ResourceURI.v2("Msvm_ComputerSystem"),
        selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", "G")])
    let settings = CIMInstance(
        className: "Msvm_VirtualSystemSettingData",
        properties: [
            .init("InstanceID", type: "string", .scalar("Microsoft:G")),
            .init("ElementName", type: "string", .scalar("n")),
        ])
    _ = try InvokeRequest(
        resourceURI: ResourceURI.v2("Msvm_VirtualSystemManagementService"), method: "ModifySystemSettings",
        selectors: [], parameters: [.reference("A", vm), .embedded("SystemSettings", settings)]
    ).envelope(to: "https://hv:5986/wsman", messageID: "uuid:1").serializedBytes()
}
let parsePull = try microseconds(iterations) {
    _ = try EnumerationPage.read(body: try XMLDocument.parse(sampleBytes).soapBody())
}
print("== envelope build + response parse (\(iterations) iterations each)")
print(String(format: "build Enumerate envelope        %8.2f µs", buildEnumerate))
print(String(format: "build Invoke (EPR + embedded)   %8.2f µs", buildInvoke))
print(String(format: "parse PullResponse (1 instance) %8.2f µs", parsePull))

// 2. Per-command overhead and round trips through libcurl against a zero-delay simulator on loopback.
/// A throwaway credential for the loopback fixture.
let benchSecret = "b-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)

func serve(_ simulator: HyperVSimulator) async throws -> (RunningFixture, CurlTransport) {
    var server = FixtureServerConfiguration()
    server.username = "bench"
    server.password = benchSecret
    let fixture = try await FixtureServer.start(responder: simulator, configuration: server, logger: quiet)
    var settings = CurlTransportConfiguration(url: fixture.url)
    settings.allowUnencrypted = true
    settings.authentication = .basic
    settings.username = "bench"
    settings.password = benchSecret
    return (fixture, try CurlTransport(configuration: settings))
}

nonisolated func body(_ sample: [String: Any]) -> [UInt8] {
    Array((try? JSONSerialization.data(withJSONObject: sample)) ?? Data())
}

nonisolated func command(vm: String, name: String, type: String, volumes: [[String: Any]]) -> [UInt8] {
    body([
        "vmName": vm, "target": ["id": 1, "snapshotName": name, "type": type, "current": false, "quiescevm": false],
        "volumeTOs": volumes, "contextMap": [:], "wait": 0,
    ])
}

let volumes: [[String: Any]] = [
    [
        "uuid": "19ae8e67-cb2c-4ab4-901e-e0b864272b59", "volumeType": "ROOT",
        "path": "19ae8e67-cb2c-4ab4-901e-e0b864272b59", "id": 17, "size": 21_474_836_480,
    ],
    [
        "uuid": "5d2a4c1e-0f6b-4b8e-9a51-3c7e2f1d9b04", "volumeType": "DATADISK",
        "path": "5d2a4c1e-0f6b-4b8e-9a51-3c7e2f1d9b04", "id": 18, "size": 10_737_418_240,
    ],
]
let simulator = HyperVSimulator()
let (fixture, transport) = try await serve(simulator)
let counting = CountingTransport(base: transport)
let stateDirectory = NSTemporaryDirectory() + "hyperv-bench-\(getpid())"
let dispatcher = CommandDispatcher(
    service: CheckpointService(
        client: WSManClient(transport: counting), settings: .init(stateDirectory: stateDirectory), logger: quiet))
var timings: [String: [Double]] = [:]
var trips: [String: [Int]] = [:]
@MainActor func timed(_ label: String, _ commandClass: String, _ bytes: [UInt8]) async {
    let before = counting.roundTrips
    let start = ContinuousClock.now
    let outcome = await dispatcher.dispatch(commandClass: commandClass, body: bytes)
    let elapsed = ms(ContinuousClock.now - start)
    if case .answered(_, let result) = outcome, !result { print("!! \(label) failed") }
    timings[label, default: []].append(elapsed)
    trips[label, default: []].append(counting.roundTrips - before)
}
let cycles = 40
for index in 0..<cycles {
    await timed(
        "create Disk, running VM (crash-consistent)", CommandClass.createVMSnapshot,
        command(vm: "i-2-17-VM", name: "b\(index)", type: "Disk", volumes: volumes))
    await timed(
        "revert to Disk checkpoint", CommandClass.revertToVMSnapshot,
        command(vm: "i-2-17-VM", name: "b\(index)", type: "Disk", volumes: volumes))
    await timed(
        "create Disk, stopped VM", CommandClass.createVMSnapshot,
        command(vm: "i-2-17-VM", name: "c\(index)", type: "Disk", volumes: volumes))
    await timed(
        "delete checkpoint", CommandClass.deleteVMSnapshot,
        command(vm: "i-2-17-VM", name: "c\(index)", type: "Disk", volumes: volumes))
    await timed(
        "delete checkpoint", CommandClass.deleteVMSnapshot,
        command(vm: "i-2-17-VM", name: "b\(index)", type: "Disk", volumes: volumes))
    await timed(
        "revert to DiskAndMemory checkpoint", CommandClass.revertToVMSnapshot,
        command(vm: "i-2-17-VM", name: "i-2-17-VM_VS_20261127113000", type: "DiskAndMemory", volumes: volumes))
}
print("\n== commands through libcurl against winrm-fixture simulate (zero delay, loopback, \(cycles) runs each)")
print("command                                       median ms   round trips")
for label in timings.keys.sorted() {
    let padded = label.padding(toLength: 45, withPad: " ", startingAt: 0)
    print(padded + String(format: " %9.2f   %d", median(timings[label]!), Int(median(trips[label]!.map(Double.init)))))
}

// 2a. The real-host profile: the same service against a host that costs what a real one does.
let profile = RealHostProfile(runs: 5)
let model = profile.model
print(
    "\n== real-host profile: \(model.latencyMilliseconds) ms per request, \(model.jobDelayMilliseconds) ms checkpoint/power jobs, \(model.settingsDelayMilliseconds) ms settings jobs (\(profile.runs) runs each)"
)
print("command                                                  median ms   round trips   floor ms   ratio")
for row in try await profile.run(logger: quiet) {
    let time = median(row.times)
    let floor = median(row.floors)
    print(
        row.label.padding(toLength: 56, withPad: " ", startingAt: 0)
            + String(
                format: " %9.0f   %11d   %8.0f   %5.2f", time, Int(median(row.trips.map(Double.init))), floor,
                time / floor))
}
print("job detection (RequestStateChange, polled): job ms, noticed after ms (bar: 10% + 1 round trip), polls")
for (duration, lag, polls) in try await profile.detectionLag(logger: quiet) {
    let bar = Double(duration) / 10 + Double(model.latencyMilliseconds)
    print(
        String(
            format: "  %6d ms job   noticed %6.1f ms after it ended (bar %5.1f ms)   %d polls", duration, lag, bar,
            polls))
}

// 2b. Side by side with pywinrm: the same three-request sequence against the same fixture, on loopback and with the
// real-host latency (the fixture's cost model changed at run time).
let imageService = ResourceURI.v2("Msvm_ImageManagementService")
func swiftSequence(runs: Int) async throws -> Double {
    var timings: [Double] = []
    for _ in 0..<runs {
        let start = ContinuousClock.now
        let client = WSManClient(transport: transport)
        let vm = try await client.enumerate(
            EnumerateRequest(wql: WQL.select(from: "Msvm_ComputerSystem", where: [("ElementName", "i-2-17-VM")]))
        ).first!
        let name = vm.string("Name")!
        let got = try await client.get(
            GetRequest(
                resourceURI: ResourceURI.v2("Msvm_ComputerSystem"),
                selectors: [Selector("CreationClassName", "Msvm_ComputerSystem"), Selector("Name", name)]))
        let output = try await client.invoke(
            InvokeRequest(
                resourceURI: imageService, method: "GetVirtualHardDiskSettingData",
                selectors: [Selector("CreationClassName", "Msvm_ImageManagementService")],
                parameters: [.scalar("Path", #"C:\ClusterStorage\Volume1\19ae8e67-cb2c-4ab4-901e-e0b864272b59.vhdx"#)]))
        let settings = try CIMInstance.parse(cimXML: output.output.string("SettingData") ?? "")
        precondition(got.int("EnabledState") != nil && settings.className == "Msvm_VirtualHardDiskSettingData")
        timings.append(ms(ContinuousClock.now - start))
    }
    return median(timings)
}
func pywinrmSequence(runs: Int) throws -> String {
    let python = ProcessInfo.processInfo.environment["PYWINRM_PYTHON"] ?? ".build-venv/bin/python"
    guard FileManager.default.isExecutableFile(atPath: python) else {
        return "pywinrm: not installed (make bench installs it into .build-venv from PyPI)"
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["scripts/pywinrm-bench.py", fixture.url, "bench", String(runs)]
    process.environment = ["WINRM_BENCH_PASSWORD": benchSecret, "PATH": "/usr/bin:/bin"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(
        in: .whitespacesAndNewlines)
    process.waitUntilExit()
    guard let peer = Double(text), process.terminationStatus == 0 else {
        return "pywinrm run failed (status \(process.terminationStatus)): \(text)"
    }
    return String(format: "%.3f", peer)
}
for (label, latency, runs) in [("loopback", 0, 200), ("25 ms per request (real-host cost model)", 25, 20)] {
    await simulator.setCostModel(CostModel(latencyMilliseconds: latency))
    let ours = try await swiftSequence(runs: runs)
    let peer = try pywinrmSequence(runs: runs)
    print("\n== side by side: Enumerate VM + Get VM + GetVirtualHardDiskSettingData, \(label), \(runs) runs")
    print(String(format: "hyperv-agent (libxml2 + libcurl)    median %.3f ms", ours))
    if let value = Double(peer) {
        print(
            String(
                format: "pywinrm 0.5 (requests + xmltodict)  median %.3f ms   ratio pywinrm/agent %.2fx", value,
                value / ours))
    } else {
        print(peer)
    }
}
await fixture.stop()

/// Each of 50 VMs runs create, create, revert, delete in order; the VMs run in parallel. Returns failed answers.
nonisolated func runCrowd(_ dispatcher: CommandDispatcher) async -> Int {
    await withTaskGroup(of: Int.self) { group in
        for index in 0..<50 {
            group.addTask {
                let vm = "vm-\(index)"
                let vols: [[String: Any]] = [
                    ["uuid": "u\(index)", "volumeType": "ROOT", "path": "vm-\(index)-root", "id": index, "size": 1]
                ]
                var failed = 0
                for (commandClass, name) in [
                    (CommandClass.createVMSnapshot, "s1"), (CommandClass.createVMSnapshot, "s2"),
                    (CommandClass.revertToVMSnapshot, "s1"), (CommandClass.deleteVMSnapshot, "s2"),
                ] {
                    if case .answered(_, let ok) = await dispatcher.dispatch(
                        commandClass: commandClass, body: command(vm: vm, name: name, type: "Disk", volumes: vols)), ok
                    {
                        continue
                    }
                    failed += 1
                }
                return failed
            }
        }
        return await group.reduce(0, +)
    }
}

// 3. 200 concurrent commands over 50 VMs (per-VM order kept: each VM's four commands run in sequence).
var host = SimulatedHost()
for index in 0..<50 { host.addVM(name: "vm-\(index)", state: 3, disks: [(#"C:\VMs\vm-\#(index)-root.vhdx"#, 1 << 34)]) }
let crowd = HyperVSimulator(host: host)
let (crowdFixture, crowdTransport) = try await serve(crowd)
var crowdSettings = crowdTransport.configuration
crowdSettings.maxConnections = 8
let crowdDispatcher = CommandDispatcher(
    service: CheckpointService(
        client: WSManClient(transport: try CurlTransport(configuration: crowdSettings)),
        settings: .init(stateDirectory: stateDirectory), logger: quiet))
let crowdStart = ContinuousClock.now
let failures = await runCrowd(crowdDispatcher)
let crowdElapsed = ms(ContinuousClock.now - crowdStart)
let checkpointsLeft = await crowd.host.checkpoints.count
print("\n== 200 commands over 50 VMs, VMs in parallel (8 WinRM connections)")
print(
    String(
        format: "wall time %.0f ms, failed answers %d, checkpoints left %d (expected 50), peak RSS %.1f MB",
        crowdElapsed, failures, checkpointsLeft, rssMB()))
await crowdFixture.stop()
try? FileManager.default.removeItem(atPath: stateDirectory)

// 4. Negotiate and WinRM message encryption: handshake round trips per new connection, cost per request.
print("\n== Negotiate and message encryption (one connection, 2000 Identify requests after the first, loopback)")
print("transport                          first request ms   per request µs   handshake legs   sealed messages")
for figures in try await NegotiateProfile.run(logger: quiet) {
    print(
        figures.label.padding(toLength: 34, withPad: " ", startingAt: 0)
            + String(
                format: " %16.2f %16.1f %16.0f %17d", figures.firstRequestMs, figures.perRequestMicroseconds,
                figures.handshakeLegsPerConnection, figures.sealed))
}

// 5. CloudStack's stop and start with checkpoint preservation: WS-Man round trips (zero job delay).
print("\n== CloudStack stop/start with checkpoints preserved: WS-Man requests (simulator, zero job delay)")
for figures in try await LifecycleProfile.run(logger: quiet) {
    print(figures.step.padding(toLength: 72, withPad: " ", startingAt: 0) + String(format: "%4d", figures.requests))
}
