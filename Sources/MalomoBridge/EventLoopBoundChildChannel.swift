import HummingbirdCore
import Logging
import NIOCore

/// Runs each connection of `Base` (Hummingbird's `HTTP1Channel`) on its own channel's event
/// loop: the connection's task prefers an ``EventLoopTaskExecutor`` for that loop, so reading
/// the request, the handler and writing the response happen on the thread that owns the
/// socket. Hummingbird otherwise runs every connection's task on Swift's cooperative pool.
struct EventLoopBoundChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        self.base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await self.base.handle(value: value, logger: logger)
        }
    }
}
