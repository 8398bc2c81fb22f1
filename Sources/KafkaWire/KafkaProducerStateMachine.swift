/// The producer's lifecycle, kept behind one lock (``KafkaProducer`` holds it in a `Mutex`).
///
/// `running` counts the sends between their stop check and their enqueue. Shutdown moves to
/// `draining` until that count is zero, so the final flush covers every send that passed the
/// check and none slips in after the poll loop ended; then `flushing` (the poll thread flushes
/// and stops; the poll thread's own end is awaited through `PollThread.join()`). Each
/// transition returns what its caller must do, outside the lock.
struct KafkaProducerStateMachine {
    private enum State {
        case running(enqueuing: Int)
        /// Shutdown began with sends still enqueuing; `drained` resumes when the last ends.
        case draining(enqueuing: Int, drained: CheckedContinuation<Void, Never>?)
        /// The poll thread was asked to flush and stop.
        case flushing
    }

    private var state = State.running(enqueuing: 0)

    /// A send is about to enqueue: false once shutdown began (the send then fails).
    mutating func beginEnqueue() -> Bool {
        guard case .running(let enqueuing) = self.state else { return false }
        self.state = .running(enqueuing: enqueuing + 1)
        return true
    }

    /// A send that ``beginEnqueue()`` admitted has enqueued (or failed to). Returns the
    /// shutdown waiting for the last of them, to resume.
    mutating func endEnqueue() -> CheckedContinuation<Void, Never>? {
        switch self.state {
        case .running(let enqueuing):
            precondition(enqueuing > 0, "endEnqueue without beginEnqueue")
            self.state = .running(enqueuing: enqueuing - 1)
            return nil
        case .draining(let enqueuing, let drained):
            precondition(enqueuing > 0, "endEnqueue without beginEnqueue")
            if enqueuing == 1 {
                self.state = .flushing
                return drained
            }
            self.state = .draining(enqueuing: enqueuing - 1, drained: drained)
            return nil
        case .flushing:
            preconditionFailure("endEnqueue after every send was drained")
        }
    }

    /// What ``KafkaProducer/shutdown()`` does next.
    enum ShutdownAction {
        /// Stop the poll thread now: nothing is enqueuing.
        case stopPollThread
        /// Wait (``waitForDrain(_:)``) for the sends still enqueuing, then stop the poll thread.
        case waitForSends
        /// Another shutdown is under way or done: wait for the poll thread to end.
        case joinOnly
    }

    /// Shutdown begins; every later ``beginEnqueue()`` is refused.
    mutating func beginShutdown() -> ShutdownAction {
        switch self.state {
        case .running(0):
            self.state = .flushing
            return .stopPollThread
        case .running(let enqueuing):
            self.state = .draining(enqueuing: enqueuing, drained: nil)
            return .waitForSends
        case .draining, .flushing:
            return .joinOnly
        }
    }

    /// Parks the shutdown until the sends drain. Returns false when they already have (the
    /// caller then goes on at once).
    mutating func waitForDrain(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard case .draining(let enqueuing, nil) = self.state else { return false }
        self.state = .draining(enqueuing: enqueuing, drained: continuation)
        return true
    }
}
