import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import WSManCurl

/// `winrm-fixture legacy-agent`: plays CloudStack's C# Hyper-V agent on loopback — the `agent.upstream` that
/// `hyperv-agent serve` forwards to — so tests and the demo run the real sequence. `StopCommand` destroys the VM on
/// the simulated host, `StartCommand` starts it or re-defines it without checkpoints (through the simulator's
/// `POST /fixture/legacy`); every other command is accepted.
public enum LegacyAgent {
    public final class Running: Sendable {
        /// `http://127.0.0.1:PORT` (what `agent.upstream` names).
        public let url: String
        private let task: Task<Void, any Error>
        init(url: String, task: Task<Void, any Error>) {
            self.url = url
            self.task = task
        }
        deinit { task.cancel() }
        public func stop() async {
            task.cancel()
            _ = try? await task.value
        }
    }

    /// `host`: the simulator's WS-Man URL (`http://127.0.0.1:PORT/wsman`).
    public static func start(host: String, port: Int = 0, logger: Logger = Logger(label: "legacy-agent")) async throws
        -> Running
    {
        let base = host.hasSuffix("/wsman") ? String(host.dropLast("/wsman".count)) : host
        let router = Router()
        router.post("api/HypervResource/:command") { request, context -> Response in
            let command = context.parameters.get("command") ?? ""
            let body = Array(try await request.body.collect(upTo: 4 << 20).readableBytesView)
            let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            let answer: [String: Any]
            switch command {
            case "com.cloud.agent.api.StopCommand":
                let outcome = try await legacy(base, ["action": "stop", "vmName": json["vmName"] as? String ?? ""])
                answer = ["com.cloud.agent.api.StopAnswer": outcome.merging(["wait": 0]) { $1 }]
            case "com.cloud.agent.api.StartCommand":
                let vm = json["vm"] as? [String: Any] ?? [:]
                let outcome = try await legacy(
                    base, ["action": "start", "vmName": vm["name"] as? String ?? "", "disks": volumes(vm)])
                answer = ["com.cloud.agent.api.StartAnswer": outcome.merging(["vm": vm, "wait": 0]) { $1 }]
            default:
                let name = command.replacingOccurrences(of: "Command", with: "Answer")
                answer = [name: ["result": true, "details": "legacy-agent: accepted", "wait": 0]]
            }
            let data = try JSONSerialization.data(withJSONObject: [answer])
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: Array(data))))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        let task = Task { try await app.run() }
        var bound = 0
        for await value in ports {
            bound = value
            break
        }
        guard bound > 0 else {
            task.cancel()
            throw FixtureError(message: "legacy-agent could not listen on 127.0.0.1:\(port)")
        }
        return Running(url: "http://127.0.0.1:\(bound)", task: task)
    }

    /// The volumes' files in device order: `<pool path>\<volume path>[.vhdx]`.
    static func volumes(_ vm: [String: Any]) -> [String] {
        let disks = (vm["disks"] as? [[String: Any]] ?? []).filter { ($0["type"] as? String) != "ISO" }
        return disks.compactMap { disk in
            guard let data = disk["data"] as? [String: Any],
                let volume = data["org.apache.cloudstack.storage.to.VolumeObjectTO"] as? [String: Any],
                let path = volume["path"] as? String,
                let store = volume["dataStore"] as? [String: Any],
                let pool = store["org.apache.cloudstack.storage.to.PrimaryDataStoreTO"] as? [String: Any],
                let folder = pool["path"] as? String
            else { return nil }
            return "\(folder)\\\(path.lowercased().hasSuffix(".vhdx") ? path : path + ".vhdx")"
        }
    }

    static func legacy(_ base: String, _ request: [String: Any]) async throws -> [String: Any] {
        let body = Array(try JSONSerialization.data(withJSONObject: request))
        let reply = try await CurlHTTPForwarder(timeoutSeconds: 60).post(
            url: "\(base)/fixture/legacy", contentType: "application/json", body: body)
        guard reply.status == 200, let outcome = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
        else {
            return ["result": false, "details": "legacy-agent: the host answered HTTP \(reply.status)"]
        }
        return outcome
    }
}
