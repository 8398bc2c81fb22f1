import Hummingbird
import NIOCore

/// The request context of both listeners: Hummingbird's core storage plus the channel,
/// so a request can close its own connection when its body does not arrive in time.
public struct BridgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
