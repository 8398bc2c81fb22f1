import Dispatch
import Logging
import Synchronization

/// A Kafka consumer in a consumer group, with explicit commits.
///
/// All librdkafka consumer calls run on one dedicated thread, in the order requested, so
/// no Swift-concurrency thread blocks in C. Reading is pull-based (``next()``): records are
/// fetched only as fast as the application asks, and nothing is buffered in Swift.
/// Offsets are never committed automatically: call ``commit(_:)`` after processing.
public final class KafkaConsumer: Sendable {
    private enum Request: Sendable {
        case poll(PollRequest)
        case commit([(topic: String, partition: Int32, offset: Int64)], CheckedContinuation<Void, any Error>)
        case close(CheckedContinuation<Void, Never>)
    }

    /// One `next()` call: created before its continuation exists, so that cancellation can
    /// be recorded at any time; the consumer thread resumes it exactly once.
    private final class PollRequest: Sendable {
        let cancelled = Atomic<Bool>(false)
        private let continuation = Mutex<CheckedContinuation<KafkaConsumerMessage?, any Error>?>(nil)

        func attach(_ continuation: CheckedContinuation<KafkaConsumerMessage?, any Error>) {
            self.continuation.withLock { $0 = continuation }
        }

        func resume(_ result: Result<KafkaConsumerMessage?, any Error>) {
            let continuation = self.continuation.withLock { stored in
                defer { stored = nil }
                return stored
            }
            continuation?.resume(with: result)
        }
    }

    /// The requests waiting for the consumer thread, and whether the consumer is closed.
    private final class Mailbox: Sendable {
        let requests = Mutex<[Request]>([])
        let wakeUp = DispatchSemaphore(value: 0)
        let closed = Atomic<Bool>(false)
        let stopped = Atomic<Bool>(false)
    }

    private let client: RDKafkaClient
    private let mailbox = Mailbox()
    private let thread: PollThread

    /// Creates a consumer and subscribes it to the configured topics.
    /// - Throws: A ``KafkaError`` naming a rejected property, or a subscribe failure.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        let client = try RDKafkaClient(kind: .consumer, properties: configuration.librdkafkaProperties, logger: logger)
        try client.subscribe(topics: configuration.topics)
        self.client = client
        let mailbox = self.mailbox
        self.thread = PollThread(name: "kafka-consumer") { _ in
            while true {
                mailbox.wakeUp.wait()
                guard let request = mailbox.requests.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
                switch request {
                case .poll(let poll):
                    Self.serve(poll, client: client, mailbox: mailbox)
                case .commit(let positions, let continuation):
                    do {
                        try client.commit(positions)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                case .close(let continuation):
                    client.consumerClose()
                    // Answer anything still queued, then end the thread.
                    let rest = mailbox.requests.withLock { queue in
                        defer { queue = [] }
                        return queue
                    }
                    for request in rest { Self.answerClosed(request) }
                    continuation.resume()
                    return
                }
            }
        }
    }

    private static func serve(_ poll: PollRequest, client: RDKafkaClient, mailbox: Mailbox) {
        while true {
            if mailbox.closed.load(ordering: .acquiring) || mailbox.stopped.load(ordering: .acquiring) {
                poll.resume(.success(nil))
                return
            }
            if poll.cancelled.load(ordering: .acquiring) {
                poll.resume(.failure(CancellationError()))
                return
            }
            do {
                if let message = try client.consumerPoll(timeoutMilliseconds: 100) {
                    poll.resume(.success(message))
                    return
                }
            } catch {
                if let fatal = client.fatalError {
                    poll.resume(.failure(fatal))
                    return
                }
                // Transient (a broker away, a topic not created yet): librdkafka retries by itself.
                client.context.logger.warning("Kafka consumer error", metadata: ["kafka.error": "\(error)"])
            }
        }
    }

    private static func answerClosed(_ request: Request) {
        switch request {
        case .poll(let poll): poll.resume(.success(nil))
        case .commit(_, let continuation):
            continuation.resume(throwing: KafkaError(code: .shutdown, reason: "the consumer is closed"))
        case .close(let continuation): continuation.resume()
        }
    }

    private func enqueue(_ request: Request) {
        let accepted = self.mailbox.requests.withLock { queue in
            if self.mailbox.closed.load(ordering: .acquiring), case .poll = request { return false }
            queue.append(request)
            return true
        }
        if accepted { self.mailbox.wakeUp.signal() } else { Self.answerClosed(request) }
    }

    /// Waits for the next record.
    ///
    /// - Returns: The record, or `nil` once the consumer is closed.
    /// - Throws: A ``KafkaError`` when the consumer failed fatally, or `CancellationError`
    ///   when the calling task is cancelled. Transient errors (a broker away, a topic not yet
    ///   created) are logged and retried, not thrown.
    public func next() async throws -> KafkaConsumerMessage? {
        let request = PollRequest()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                request.attach(continuation)
                self.enqueue(.poll(request))
            }
        } onCancel: {
            request.cancelled.store(true, ordering: .releasing)
        }
    }

    /// Commits processed records: the group resumes after each one's offset.
    /// - Parameter messages: The records whose processing finished (the highest offset per
    ///   partition is what matters).
    public func commit(_ messages: [KafkaConsumerMessage]) async throws {
        var highest: [String: [Int32: Int64]] = [:]
        for message in messages {
            highest[message.topic, default: [:]][message.partition] = max(
                highest[message.topic]?[message.partition] ?? -1,
                message.offset
            )
        }
        let positions = highest.flatMap { topic, partitions in
            partitions.map { (topic: topic, partition: $0.key, offset: $0.value) }
        }
        try await self.commit(positions: positions)
    }

    /// Commits explicit positions: for each, the group resumes after `offset`.
    public func commit(positions: [(topic: String, partition: Int32, offset: Int64)]) async throws {
        guard !positions.isEmpty else { return }
        try await withCheckedThrowingContinuation { continuation in
            self.enqueue(.commit(positions, continuation))
        }
    }

    /// Makes pending and later ``next()`` calls return `nil` at once, while the consumer stays
    /// in its group so that processed offsets can still be committed before ``close()``.
    public func stopReading() {
        self.mailbox.stopped.store(true, ordering: .releasing)
    }

    /// Leaves the group and stops the consumer thread. Pending ``next()`` calls return `nil`.
    /// Idempotent.
    public func close() async {
        guard !self.mailbox.closed.exchange(true, ordering: .acquiringAndReleasing) else {
            await self.thread.join()
            return
        }
        await withCheckedContinuation { continuation in
            self.enqueue(.close(continuation))
        }
        await self.thread.join()
    }
}
