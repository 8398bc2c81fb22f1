import Dispatch
import Logging
import Synchronization

/// A Kafka consumer in a consumer group, with explicit commits.
///
/// All librdkafka consumer calls run on one dedicated thread, in the order requested, so
/// no Swift-concurrency thread blocks in C. Reading is pull-based (``next()``): records are
/// fetched only as fast as the application asks, and nothing is buffered in Swift.
/// Offsets are never committed automatically: call ``commit(_:)`` after processing. Every
/// call after ``close()`` is answered at once (`nil`, or ``KafkaError/Code/shutdown`` for a
/// commit), never left waiting.
public final class KafkaConsumer: Sendable {
    /// What one poll found.
    public enum PollResult: Sendable {
        /// A record.
        case message(KafkaConsumerMessage)
        /// Nothing arrived within the poll's timeout.
        case timedOut
        /// The consumer was stopped or closed.
        case closed
    }

    private enum Request: Sendable {
        case poll(PollRequest)
        case commit([KafkaCommitPosition], CheckedContinuation<Void, any Error>)
        case committed([KafkaTopicPartition], CheckedContinuation<[KafkaTopicPartition: Int64], any Error>)
        case watermarks(String, CheckedContinuation<[KafkaPartitionWatermarks], any Error>)
        case assign([KafkaTopicPartition: Int64], CheckedContinuation<Void, any Error>)
        case close(CheckedContinuation<Void, Never>)
    }

    /// One poll: created before its continuation exists, so that cancellation can be recorded
    /// at any time; the consumer thread resumes it exactly once.
    private final class PollRequest: Sendable {
        let cancelled = Atomic<Bool>(false)
        let deadline: ContinuousClock.Instant?
        private let continuation = Mutex<CheckedContinuation<PollResult, any Error>?>(nil)

        init(deadline: ContinuousClock.Instant?) { self.deadline = deadline }

        func attach(_ continuation: CheckedContinuation<PollResult, any Error>) {
            self.continuation.withLock { $0 = continuation }
        }

        func resume(_ result: Result<PollResult, any Error>) {
            let continuation = self.continuation.withLock { stored in
                defer { stored = nil }
                return stored
            }
            continuation?.resume(with: result)
        }
    }

    /// The requests waiting for the consumer thread and the consumer's lifecycle, in one
    /// lock; the thread sleeps on `wakeUp` between requests.
    private final class Mailbox: Sendable {
        let state = Mutex(KafkaConsumerStateMachine<Request>())
        let wakeUp = DispatchSemaphore(value: 0)
        /// librdkafka polls that came back empty while a request waited (tests wait on it to
        /// know a `next()` is really blocked in librdkafka).
        let emptyPolls = Atomic<Int>(0)
    }

    private let client: RDKafkaClient
    private let mailbox = Mailbox()
    private let thread: PollThread

    /// Creates a consumer and subscribes it to the configured topics (with none, it reads only
    /// what ``assign(_:)`` gives it).
    ///
    /// - Parameters:
    ///   - configuration: The brokers, group, topics and librdkafka properties.
    ///   - logger: Receives librdkafka's log lines and the consumer's own.
    ///   - onRevoke: Called on the consumer thread when partitions are about to be
    ///   revoked in a rebalance; the positions it returns are committed synchronously before the
    ///   partitions go to another member (a failed commit means redelivery, never loss).
    /// - Throws: A ``KafkaError`` naming a rejected property (librdkafka's, or one that would
    ///   commit automatically), or a subscribe failure.
    public init(
        configuration: KafkaConsumerConfiguration,
        logger: Logger,
        onRevoke: (@Sendable ([KafkaTopicPartition]) -> [KafkaCommitPosition])? = nil
    ) throws(KafkaError) {
        try configuration.checkExplicitCommits()
        let client = try RDKafkaClient(kind: .consumer, properties: configuration.librdkafkaProperties, logger: logger, onRevoke: onRevoke)
        if !configuration.topics.isEmpty { try client.subscribe(topics: configuration.topics) }
        self.client = client
        let mailbox = self.mailbox
        self.thread = PollThread(name: "kafka-consumer") { _ in
            while true {
                mailbox.wakeUp.wait()
                guard let request = mailbox.state.withLock({ $0.next() }) else { continue }
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
                case .committed(let partitions, let continuation):
                    do {
                        continuation.resume(returning: try client.committed(partitions, timeoutMilliseconds: 5000))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                case .watermarks(let topic, let continuation):
                    do {
                        let partitions = try client.partitions(of: topic, timeoutMilliseconds: 5000)
                        let marks = try partitions.map { partition throws(KafkaError) in
                            let (low, high) = try client.watermarks(topic: topic, partition: partition, timeoutMilliseconds: 5000)
                            return KafkaPartitionWatermarks(partition: partition, low: low, high: high)
                        }
                        continuation.resume(returning: marks)
                    } catch {
                        continuation.resume(throwing: error)
                    }
                case .assign(let starts, let continuation):
                    do {
                        try client.assign(starts)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                case .close(let continuation):
                    client.consumerClose()
                    // Answer anything still queued, then end the thread; from now on enqueue()
                    // answers by itself.
                    let rest = mailbox.state.withLock { $0.finish() }
                    for request in rest { Self.answerClosed(request) }
                    continuation.resume()
                    return
                }
            }
        }
    }

    private static func serve(_ poll: PollRequest, client: RDKafkaClient, mailbox: Mailbox) {
        while true {
            if mailbox.state.withLock({ $0.pollsEnd }) {
                poll.resume(.success(.closed))
                return
            }
            if poll.cancelled.load(ordering: .acquiring) {
                poll.resume(.failure(CancellationError()))
                return
            }
            if let deadline = poll.deadline, ContinuousClock.now >= deadline {
                poll.resume(.success(.timedOut))
                return
            }
            do {
                if let message = try client.consumerPoll(timeoutMilliseconds: 100) {
                    poll.resume(.success(.message(message)))
                    return
                }
                mailbox.emptyPolls.add(1, ordering: .relaxed)
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
        case .poll(let poll): poll.resume(.success(.closed))
        case .commit(_, let continuation):
            continuation.resume(throwing: KafkaError(code: .shutdown, reason: "the consumer is closed"))
        case .committed(_, let continuation):
            continuation.resume(throwing: KafkaError(code: .shutdown, reason: "the consumer is closed"))
        case .watermarks(_, let continuation):
            continuation.resume(throwing: KafkaError(code: .shutdown, reason: "the consumer is closed"))
        case .assign(_, let continuation):
            continuation.resume(throwing: KafkaError(code: .shutdown, reason: "the consumer is closed"))
        case .close(let continuation): continuation.resume()
        }
    }

    private func enqueue(_ request: Request) {
        let isPoll = if case .poll = request { true } else { false }
        // After close() no new poll starts; after the thread ended nothing is served at all.
        let accepted = self.mailbox.state.withLock { $0.enqueue(request, isPoll: isPoll) }
        if accepted { self.mailbox.wakeUp.signal() } else { Self.answerClosed(request) }
    }

    /// Waits for the next record.
    ///
    /// - Returns: The record, or `nil` once the consumer is stopped or closed.
    /// - Throws: A ``KafkaError`` when the consumer failed fatally, or `CancellationError`
    ///   when the calling task is cancelled. Transient errors (a broker away, a topic not yet
    ///   created) are logged and retried, not thrown.
    public func next() async throws -> KafkaConsumerMessage? {
        switch try await self.poll(timeout: nil) {
        case .message(let message): return message
        case .closed: return nil
        case .timedOut: preconditionFailure("a poll without a timeout cannot time out")
        }
    }

    /// Waits for the next record at most `timeout` (`nil`: until one arrives). See ``next()``.
    public func poll(timeout: Duration?) async throws -> PollResult {
        let request = PollRequest(deadline: timeout.map { ContinuousClock.now + $0 })
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
        var highest: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            let key = KafkaTopicPartition(topic: message.topic, partition: message.partition)
            highest[key] = max(highest[key] ?? -1, message.offset)
        }
        try await self.commit(positions: highest.map { KafkaCommitPosition(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
    }

    /// Commits explicit positions: for each, the group resumes after `offset`.
    /// - Throws: A ``KafkaError`` when the broker refused the commit (e.g. during a
    ///   rebalance), or ``KafkaError/Code/shutdown`` after ``close()``.
    public func commit(positions: [KafkaCommitPosition]) async throws {
        guard !positions.isEmpty else { return }
        try await withCheckedThrowingContinuation { continuation in
            self.enqueue(.commit(positions, continuation))
        }
    }

    /// The group's committed offsets of `partitions`: the next offset each will be read from,
    /// or -1001 (librdkafka's "invalid") when nothing was committed. Asks the group coordinator.
    public func committedOffsets(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] {
        try await withCheckedThrowingContinuation { continuation in
            self.enqueue(.committed(partitions, continuation))
        }
    }

    /// Every partition of `topic` with its watermarks, asked of the cluster (empty when the
    /// topic does not exist). With them a reader knows where "now" ends: a partition is read up
    /// to the present once the record at `high - 1` was seen.
    public func watermarks(topic: String) async throws -> [KafkaPartitionWatermarks] {
        try await withCheckedThrowingContinuation { continuation in
            self.enqueue(.watermarks(topic, continuation))
        }
    }

    /// Reads exactly these partitions, each from its offset (the next record to read), without
    /// joining the group's rebalances: for a consumer created with no topics, that is alone in
    /// its group (an admin task). Commits still go to the group.
    public func assign(_ starts: [KafkaTopicPartition: Int64]) async throws {
        try await withCheckedThrowingContinuation { continuation in
            self.enqueue(.assign(starts, continuation))
        }
    }

    /// How many of librdkafka's polls came back empty while a ``poll(timeout:)`` waited.
    var emptyPollCount: Int { self.mailbox.emptyPolls.load(ordering: .relaxed) }

    /// Makes pending and later ``next()`` calls return `nil` at once, while the consumer stays
    /// in its group so that processed offsets can still be committed before ``close()``.
    public func stopReading() {
        self.mailbox.state.withLock { $0.stopReading() }
    }

    /// Leaves the group and stops the consumer thread. Pending ``next()`` calls return `nil`.
    /// Idempotent.
    public func close() async {
        guard self.mailbox.state.withLock({ $0.beginClose() }) else {
            await self.thread.join()
            return
        }
        await withCheckedContinuation { continuation in
            self.enqueue(.close(continuation))
        }
        await self.thread.join()
    }
}
