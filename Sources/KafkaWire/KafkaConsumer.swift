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

    /// `@unchecked Sendable`: `continuation` is resumed exactly once, by the consumer thread.
    private final class PollRequest: @unchecked Sendable {
        let continuation: CheckedContinuation<KafkaConsumerMessage?, any Error>
        let cancelled = Atomic<Bool>(false)
        init(continuation: CheckedContinuation<KafkaConsumerMessage?, any Error>) {
            self.continuation = continuation
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
        self.thread = PollThread(name: "malomo-kafka-consumer") { _ in
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
                poll.continuation.resume(returning: nil)
                return
            }
            if poll.cancelled.load(ordering: .acquiring) {
                poll.continuation.resume(throwing: CancellationError())
                return
            }
            do {
                if let message = try client.consumerPoll(timeoutMilliseconds: 100) {
                    poll.continuation.resume(returning: message)
                    return
                }
            } catch {
                if let fatal = client.fatalError {
                    poll.continuation.resume(throwing: fatal)
                    return
                }
                // Transient (a broker away, a topic not created yet): librdkafka retries by itself.
                client.context.logger.warning("Kafka consumer error", metadata: ["kafka.error": "\(error)"])
            }
        }
    }

    private static func answerClosed(_ request: Request) {
        switch request {
        case .poll(let poll): poll.continuation.resume(returning: nil)
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
        var pending: PollRequest? = nil
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let request = PollRequest(continuation: continuation)
                pending = request
                self.enqueue(.poll(request))
            }
        } onCancel: { [pending] in
            pending?.cancelled.store(true, ordering: .releasing)
        }
    }

    /// Commits processed records: the group resumes after each one's offset.
    /// - Parameter messages: The records whose processing finished (the highest offset per
    ///   partition is what matters).
    public func commit(_ messages: [KafkaConsumerMessage]) async throws {
        var highest: [String: [Int32: Int64]] = [:]
        for message in messages {
            highest[message.topic, default: [:]][message.partition] = max(
                highest[message.topic]?[message.partition] ?? -1, message.offset)
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
