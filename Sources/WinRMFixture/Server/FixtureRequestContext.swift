import Hummingbird
import HummingbirdCore
import NIOCore

/// Request context carrying the TCP connection a request came on: WinRM's Negotiate authenticates (and seals) per
/// connection, so the fixture keeps one security context per channel.
public struct FixtureRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}
