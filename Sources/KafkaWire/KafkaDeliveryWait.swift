import Synchronization

/// One send's wait for its delivery report, which its caller may end early.
///
/// librdkafka reports a message that timed out only when it next scans for timeouts (about
/// once a second) and the report is then polled, so `message.timeout.ms` alone does not bound
/// how long a send waits: measured here (NetworkFaultTests), a report came 117 ms after the
/// caller's deadline. A caller with a hard deadline passes a wait to
/// ``KafkaProducer/send(topic:key:value:headers:timestampMilliseconds:wait:)`` and calls
/// ``abandon()`` at the deadline: the send then throws ``KafkaError/Code/messageTimedOut`` at
/// once, and the report that comes later is dropped (the message may still be written, an
/// outcome the caller must allow for any timeout).
///
/// Passed to librdkafka retained, as the per-message opaque, and released exactly once: by
/// the delivery-report callback, or by the producer when `produce` fails at once.
public final class KafkaDeliveryWait: Sendable {
    private enum State {
        case idle
        case waiting(Continuation, topic: String)
        case abandoned
        case finished
    }

    /// Resumed with the outcome, never thrown into: the send rethrows it as a ``KafkaError``.
    typealias Continuation = UnsafeContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>

    private let state = Mutex<State>(.idle)

    /// A wait not yet used by a send.
    public init() {}

    /// Ends the wait with ``KafkaError/Code/messageTimedOut`` unless it already ended. Called
    /// before the send began waiting, it makes the send throw as soon as it does.
    public func abandon() {
        let continuation: Continuation? = self.state.withLock { state in
            switch state {
            case .idle:
                state = .abandoned
                return nil
            case .waiting(let continuation, _):
                state = .finished
                return continuation
            case .abandoned, .finished:
                return nil
            }
        }
        continuation?.resume(returning: .failure(Self.abandonedError))
    }

    static let abandonedError = KafkaError(code: .messageTimedOut, reason: "no delivery report before the caller's deadline")

    /// Starts waiting on `continuation`; false when the wait was abandoned already (the caller
    /// then resumes it itself).
    func begin(topic: String, continuation: Continuation) -> Bool {
        self.state.withLock { state in
            guard case .idle = state else { return false }
            state = .waiting(continuation, topic: topic)
            return true
        }
    }

    /// Ends the wait with the outcome `result` builds from the send's topic, unless it ended.
    func finish(_ result: (String) -> Result<KafkaDeliveryReport, KafkaError>) {
        let waiting: (Continuation, String)? = self.state.withLock { state in
            guard case .waiting(let continuation, let topic) = state else { return nil }
            state = .finished
            return (continuation, topic)
        }
        guard let (continuation, topic) = waiting else { return }
        continuation.resume(returning: result(topic))
    }
}
