import Foundation

/// What a real Hyper-V host costs (DESIGN §12): per request on the wire, per checkpoint or power job, per settings
/// job, per disk merge. JSON keys as `POST /fixture/cost` takes them.
public struct CostModel: Codable, Sendable, Equatable {
    public var latencyMilliseconds: Int
    public var jobDelayMilliseconds: Int
    public var settingsDelayMilliseconds: Int
    public var mergeDelayMilliseconds: Int

    public init(
        latencyMilliseconds: Int = 0, jobDelayMilliseconds: Int = 0, settingsDelayMilliseconds: Int = 0,
        mergeDelayMilliseconds: Int = 0
    ) {
        self.latencyMilliseconds = latencyMilliseconds
        self.jobDelayMilliseconds = jobDelayMilliseconds
        self.settingsDelayMilliseconds = settingsDelayMilliseconds
        self.mergeDelayMilliseconds = mergeDelayMilliseconds
    }

    /// The real-host profile of `make bench`: 25 ms per request, 1 s checkpoint and power jobs, 100 ms settings jobs.
    public static let realHost = CostModel(
        latencyMilliseconds: 25, jobDelayMilliseconds: 1000, settingsDelayMilliseconds: 100)

    enum CodingKeys: String, CodingKey {
        case latencyMilliseconds = "latency_ms"
        case jobDelayMilliseconds = "job_delay_ms"
        case settingsDelayMilliseconds = "settings_delay_ms"
        case mergeDelayMilliseconds = "merge_delay_ms"
    }

    /// This model with the keys of a JSON object (`{"latency_ms":25}`) changed; other keys keep their value.
    public func updated(json: [UInt8]) throws(CostModelError) -> CostModel {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw CostModelError(message: "the cost model must be a JSON object of milliseconds")
        }
        var model = self
        for (key, value) in object {
            guard let number = value as? Int, (0...3_600_000).contains(number) else {
                throw CostModelError(message: "\(key) must be a whole number of milliseconds, 0…3600000")
            }
            switch CodingKeys(rawValue: key) {
            case .latencyMilliseconds?: model.latencyMilliseconds = number
            case .jobDelayMilliseconds?: model.jobDelayMilliseconds = number
            case .settingsDelayMilliseconds?: model.settingsDelayMilliseconds = number
            case .mergeDelayMilliseconds?: model.mergeDelayMilliseconds = number
            case nil:
                throw CostModelError(
                    message: "unknown key \(key) (latency_ms, job_delay_ms, settings_delay_ms, merge_delay_ms)")
            }
        }
        return model
    }
}

public struct CostModelError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
