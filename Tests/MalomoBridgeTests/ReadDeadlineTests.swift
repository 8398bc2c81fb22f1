import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import MalomoBridge

/// The read deadline's one timer, on an embedded loop whose clock the test moves.
@Suite struct ReadDeadlineTests {
    /// Records every close the deadline asks for, and keeps the channel open.
    final class CloseRecorder: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = Never
        let modes = Mutex<[CloseMode]>([])

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            self.modes.withLock { $0.append(mode) }
            promise?.succeed()
        }
    }

    func channel() throws -> (EmbeddedChannel, CloseRecorder) {
        let recorder = CloseRecorder()
        let channel = EmbeddedChannel(handler: recorder)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, recorder)
    }

    @Test func theBackstopClosesTheConnectionTwoSecondsAfterTheDeadline() throws {
        let (channel, closes) = try channel()
        let (_, timer) = ReadDeadline.start(on: channel, after: .seconds(10))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9999))
        #expect(closes.modes.withLock { $0 }.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(closes.modes.withLock { $0 } == [.input])
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(closes.modes.withLock { $0 } == [.input])
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(closes.modes.withLock { $0 } == [.input, .all])
        timer.cancel()
    }

    /// The body's last bytes raced the deadline: the request goes on (to Kafka, for longer
    /// than two seconds), and its answer must not be cut off.
    @Test func aRequestThatEndedAfterTheDeadlineCancelsTheBackstop() throws {
        let (channel, closes) = try channel()
        let (deadline, timer) = ReadDeadline.start(on: channel, after: .seconds(10))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        timer.cancel()
        deadline.cancelBackstop()
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(closes.modes.withLock { $0 } == [.input])
    }

    /// A request that ended before the deadline (its timer's cancel lost, or never made): the
    /// deadline may still close the input, but no backstop follows.
    @Test func aBackstopCancelledBeforeTheDeadlineIsNeverScheduled() throws {
        let (channel, closes) = try channel()
        let (deadline, timer) = ReadDeadline.start(on: channel, after: .seconds(10))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        deadline.cancelBackstop()
        channel.embeddedEventLoop.advanceTime(by: .seconds(40))
        #expect(closes.modes.withLock { $0 } == [.input])
        timer.cancel()
    }
}
