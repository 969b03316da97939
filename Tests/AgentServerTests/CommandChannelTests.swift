import AgentConfig
import AgentServer
import CloudStack
import Foundation
import Hummingbird
import Logging
import TestSupport
import Testing
import WSMan
import WSManCurl

@Suite struct CommandChannelTests {
    @Test func exactCloudStackBytesGetTheTypedAnswer() async throws {
        let channel = try await ChannelHarness.start()
        try await using(channel) { channel in
            let response = try await channel.post(CommandClass.createVMSnapshot, try ChannelHarness.sample("create"))
            #expect(response.status == 200)
            #expect(response.contentType == "application/json; charset=utf-8")
            let (answerClass, answer) = try #require(response.answer)
            #expect(answerClass == "com.cloud.agent.api.CreateVMSnapshotAnswer")
            #expect(answer["result"]?.boolValue == true)
            #expect(answer["volumeTOs"]?.arrayValue?.count == 2)
            #expect(
                answer["volumeTOs"]?.arrayValue?.first?["dataStore"]?[
                    "org.apache.cloudstack.storage.to.PrimaryDataStoreTO"] != nil)
            #expect(await channel.simulator.host.checkpoints.contains { $0.name == "i-2-17-VM_VS_20261127120000" })
            for name in ["revert", "delete"] {
                let commandClass = name == "revert" ? CommandClass.revertToVMSnapshot : CommandClass.deleteVMSnapshot
                let other = try await channel.post(commandClass, try ChannelHarness.sample(name))
                #expect(other.status == 200)
                #expect(other.answer?.1["result"]?.boolValue == true, "\(other.text)")
            }
        }
    }

    @Test func iso88591BodyAndMissingOptionalFields() async throws {
        let channel = try await ChannelHarness.start()
        try await using(channel) { channel in
            var body = Array(#"{"vmName":"i-2-18-VM","target":{"snapshotName":"caf"#.utf8)
            body.append(0xE9)
            body += Array(#"","type":"Disk"},"volumeTOs":[],"wait":0}"#.utf8)
            let response = try await channel.post(CommandClass.createVMSnapshot, body)
            #expect(response.status == 200)
            #expect(response.answer?.1["result"]?.boolValue == true, "\(response.text)")
            #expect(await channel.simulator.host.checkpoints.contains { $0.name == "café" })
        }
    }

    @Test func failuresAreStill200WithTheMatchingAnswerClass() async throws {
        let channel = try await ChannelHarness.start()
        try await using(channel) { channel in
            let body = Array(#"{"vmName":"i-404-VM","target":{"snapshotName":"s","type":"Disk"},"volumeTOs":[]}"#.utf8)
            let response = try await channel.post(CommandClass.revertToVMSnapshot, body)
            #expect(response.status == 200)
            #expect(response.answer?.0 == "com.cloud.agent.api.RevertToVMSnapshotAnswer")
            #expect(response.answer?.1["result"]?.boolValue == false)
            #expect(response.answer?.1["details"]?.stringValue?.contains("i-404-VM was not found") == true)
        }
    }

    @Test func statusCodes() async throws {
        let channel = try await ChannelHarness.start { $0.maxRequestBytes = 4096 }
        try await using(channel) { channel in
            #expect(
                try await channel.post("com.cloud.agent.api.StopCommand", Array(#"{"vmName":"x"}"#.utf8)).status == 404)
            #expect(try await channel.post(CommandClass.createVMSnapshot, Array("{not json".utf8)).status == 400)
            #expect(
                try await channel.post(CommandClass.createVMSnapshot, [UInt8](repeating: 0x20, count: 10_000)).status
                    == 413)
            let liveness = try await CurlHTTPForwarder().get(url: channel.url)
            #expect(liveness.status == 200)
            #expect(liveness.text.contains("HypervResource"))
        }
    }

    @Test func clientsOutsideTheAllowListGet403() async throws {
        let channel = try await ChannelHarness.start { $0.allowedClients = [CIDR.parse("10.0.0.0/8")!] }
        try await using(channel) { channel in
            let response = try await channel.post(CommandClass.createVMSnapshot, try ChannelHarness.sample("create"))
            #expect(response.status == 403)
            #expect(await channel.simulator.host.checkpoints.count == 2)
        }
    }

    @Test func unknownCommandsGoToTheUpstreamAgentUnchanged() async throws {
        // A stand-in for an existing (e.g. Windows) agent: echoes what it got.
        let router = Router()
        router.post("api/HypervResource/:command") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let reply =
                #"[{"com.cloud.agent.api.Answer":{"result":true,"details":"upstream saw \#(context.parameters.get("command") ?? "") with \#(body.readableBytes) bytes"}}]"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "upstream")
        logger.logLevel = .critical
        let upstream = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let upstreamTask = Task { try await upstream.run() }
        defer { upstreamTask.cancel() }
        var port = 0
        for await value in ports {
            port = value
            break
        }
        let channel = try await ChannelHarness.start { $0.upstream = "http://127.0.0.1:\(port)" }
        try await using(channel) { channel in
            let body = Array(#"{"isProxy":false,"vmName":"i-2-17-VM","contextMap":{},"wait":0}"#.utf8)
            let response = try await channel.post("com.cloud.agent.api.StopCommand", body)
            #expect(response.status == 200)
            #expect(response.text.contains("upstream saw com.cloud.agent.api.StopCommand with \(body.count) bytes"))
        }
    }

    @Test func gracefulShutdownLetsTheRunningCommandFinish() async throws {
        let clock = ManualClock(held: true)
        let channel = try await ChannelHarness.start(jobDelayMilliseconds: 400, clock: clock)
        async let response = channel.post(
            CommandClass.createVMSnapshot,
            Array(
                #"{"vmName":"i-2-18-VM","target":{"snapshotName":"during-shutdown","type":"Disk"},"volumeTOs":[]}"#.utf8
            ))
        await clock.waitForSleepers(1)  // the create is inside its job wait
        await channel.group.triggerGracefulShutdown()
        clock.release()
        let answer = try await response
        #expect(answer.status == 200)
        #expect(answer.answer?.1["result"]?.boolValue == true)
        try await channel.task.value  // the service group ends cleanly
        #expect(await channel.simulator.host.checkpoints.contains { $0.name == "during-shutdown" })
    }

    @Test func selfSignedCertificateIsGeneratedOnceAndServed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cert-\(UUID().uuidString)").path
        let first = try SelfSignedCertificate.ensure(in: directory, hostName: "agent.test")
        let second = try SelfSignedCertificate.ensure(in: directory, hostName: "agent.test")
        #expect(first.generated && !second.generated)
        #expect(first.fingerprint == second.fingerprint)
        #expect(first.fingerprint.contains("Fingerprint="))
        let permissions = try FileManager.default.attributesOfItem(atPath: first.key)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let channel = try await ChannelHarness.start(tls: first)
        try await using(channel) { channel in
            #expect(channel.url.hasPrefix("https://"))
            let response = try await channel.post(CommandClass.deleteVMSnapshot, try ChannelHarness.sample("delete"))
            #expect(response.status == 200)
        }
    }
}

@Suite struct ClientDisconnectTests {
    /// CloudStack's HTTP client may give up; the Hyper-V job must still finish (and a re-send then finds it).
    @Test func aClientThatGoesAwayDoesNotCancelTheJob() async throws {
        // The job is held (virtual time stands still) until the client has given up.
        let clock = ManualClock(held: true)
        let channel = try await ChannelHarness.start(jobDelayMilliseconds: 1500, clock: clock)
        try await using(channel) { channel in
            let body = Array(
                #"{"vmName":"i-2-18-VM","target":{"snapshotName":"abandoned","type":"Disk"},"volumeTOs":[]}"#.utf8)
            await #expect(throws: TransportError.self) {
                try await CurlHTTPForwarder(timeoutSeconds: 1).post(
                    url: "\(channel.url)/\(CommandClass.createVMSnapshot)", contentType: "application/json", body: body)
            }
            #expect(clock.sleeps >= 1)
            clock.release()
            let resent = try await channel.post(CommandClass.createVMSnapshot, body)
            #expect(resent.answer?.1["result"]?.boolValue == true, "\(resent.text)")
            #expect(await channel.simulator.host.checkpoints.filter { $0.name == "abandoned" }.count == 1)
        }
    }
}
