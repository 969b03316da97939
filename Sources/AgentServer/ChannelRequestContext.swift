import Hummingbird
import HummingbirdCore
import NIOCore

/// Request context carrying the client's IP address (for `agent.allowed_clients`).
public struct ChannelRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }
}
