import NIOCore
import Synchronization

/// The backstop of a request body's read deadline, scheduled only if the deadline fires: one
/// timer per request instead of two.
///
/// At the deadline the connection's input is closed and the backstop closes the whole
/// connection two seconds later (a client that stopped reading never gets its 408 otherwise).
/// A request that ends before the backstop fires, the deadline having raced its last bytes,
/// cancels it (``cancelBackstop()``): its answer may wait for Kafka far longer than two seconds.
final class ReadDeadline: Sendable {
    private enum Backstop {
        case notScheduled
        case scheduled(Scheduled<Void>)
        case cancelled
    }

    private let backstop = Mutex(Backstop.notScheduled)
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Schedules the deadline on `channel`'s loop; cancel the returned timer when the body is in.
    static func start(on channel: any Channel, after timeout: TimeAmount) -> (ReadDeadline, Scheduled<Void>) {
        let deadline = ReadDeadline(channel: channel)
        let timer = channel.eventLoop.scheduleTask(in: timeout) { deadline.fire() }
        return (deadline, timer)
    }

    private func fire() {
        self.channel.close(mode: .input, promise: nil)
        let channel = self.channel
        let backstop = channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        let cancelled = self.backstop.withLock { state in
            if case .cancelled = state { return true }
            state = .scheduled(backstop)
            return false
        }
        if cancelled { backstop.cancel() }
    }

    /// The request ended: no backstop, if there was to be one.
    func cancelBackstop() {
        let scheduled = self.backstop.withLock { state -> Scheduled<Void>? in
            defer { state = .cancelled }
            if case .scheduled(let backstop) = state { return backstop }
            return nil
        }
        scheduled?.cancel()
    }
}
