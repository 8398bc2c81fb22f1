/// The consumer's lifecycle and its queue of requests for the consumer thread, kept behind one
/// lock (``KafkaConsumer`` holds it in a `Mutex`).
///
/// `reading` → `stopped` (``KafkaConsumer/stopReading()``: polls end, commits still go) →
/// `closing` (``KafkaConsumer/close()`` queued its close: no new poll is taken) → `finished`
/// (the thread left the group, answered what was left and ended: every later request is
/// answered at once). Each transition returns what its caller must do, outside the lock.
struct KafkaConsumerStateMachine<Request> {
    private enum Lifecycle {
        case reading
        case stopped
        case closing
        case finished
    }

    private var lifecycle = Lifecycle.reading
    private var requests: [Request] = []

    /// Queues a request for the consumer thread. True: wake the thread. False: answer it now
    /// as closed (the thread has ended, or it is a poll after close).
    mutating func enqueue(_ request: Request, isPoll: Bool) -> Bool {
        switch self.lifecycle {
        case .finished:
            return false
        case .closing where isPoll:
            return false
        case .reading, .stopped, .closing:
            self.requests.append(request)
            return true
        }
    }

    /// The next request for the consumer thread, in the order they came.
    mutating func next() -> Request? {
        self.requests.isEmpty ? nil : self.requests.removeFirst()
    }

    /// Whether a poll in progress should end with `.closed`.
    var pollsEnd: Bool {
        if case .reading = self.lifecycle { return false }
        return true
    }

    /// Polls end from now on; the consumer stays in its group.
    mutating func stopReading() {
        if case .reading = self.lifecycle { self.lifecycle = .stopped }
    }

    /// `close()` begins. False when another close began already (the caller then only waits
    /// for the thread to end).
    mutating func beginClose() -> Bool {
        switch self.lifecycle {
        case .reading, .stopped:
            self.lifecycle = .closing
            return true
        case .closing, .finished:
            return false
        }
    }

    /// The consumer thread has left the group and ends: returns the requests it must still
    /// answer as closed.
    mutating func finish() -> [Request] {
        self.lifecycle = .finished
        defer { self.requests = [] }
        return self.requests
    }
}
