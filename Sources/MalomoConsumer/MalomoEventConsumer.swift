import KafkaWire
import Logging
import MalomoContract
import MalomoModels
import ServiceLifecycle
import Synchronization

/// Consumes the bridge's topics and yields typed `MalomoDelivery` values, at least once.
///
/// The commit rule, for both APIs:
/// - ``run(handler:)``: a record is processed when the handler returned. A handler that throws
///   stops the consumer without committing that record, so it is redelivered.
/// - ``next()`` / ``deliveries``: a record is processed only when you call
///   ``markProcessed(_:)`` for it. Asking for the next one does **not** mark the previous one,
///   so catching a failure and iterating on never commits the record that failed.
/// - Offsets are committed up to the record before the first one not yet processed, in each
///   partition: every ``MalomoConsumerConfiguration/commitEveryRecords`` records, after
///   ``MalomoConsumerConfiguration/commitInterval`` (also while no record arrives), before a
///   rebalance takes partitions away, and on ``close()`` or graceful shutdown. A failed commit
///   keeps its positions and is retried; positions of revoked partitions are dropped.
/// - A record that cannot be decoded goes to the dead-letter topic with a
///   `malomo-dead-letter-reason` header, and the consumer moves on; if that write fails, the
///   record stays unprocessed (redelivered later, never skipped).
/// - Redeliveries of an event id processed within the duplicate filter's TTL are skipped
///   (an id counts once a delivery of it was processed, so a failed one is delivered again).
///
/// Use it from one task at a time.
public final class MalomoEventConsumer: Sendable {
    private struct State: Sendable {
        var tracker = CommitTracker()
        var lastCommit = ContinuousClock.now
        /// After a failed commit, the next attempt waits one commit interval.
        var retryAfter: ContinuousClock.Instant? = nil
        var duplicates: DuplicateFilter?
    }

    /// The state, shared with the rebalance callback (which runs on the consumer thread).
    private final class Shared: Sendable {
        let state: Mutex<State>
        init(_ state: State) { self.state = Mutex(state) }
    }

    private let configuration: MalomoConsumerConfiguration
    private let consumer: KafkaConsumer
    /// `nil` when the configuration writes no dead letters.
    private let deadLetterProducer: KafkaProducer?
    private let logger: Logger
    private let shared: Shared

    /// Creates a consumer and joins the group.
    /// - Throws: A `KafkaError` naming a rejected librdkafka property.
    public init(configuration: MalomoConsumerConfiguration, logger: Logger) throws {
        var consumerConfiguration = KafkaConsumerConfiguration(
            bootstrapServers: configuration.bootstrapServers,
            groupID: configuration.groupID,
            topics: configuration.kafkaTopics
        )
        consumerConfiguration.autoOffsetReset = configuration.autoOffsetReset
        consumerConfiguration.sessionTimeout = configuration.sessionTimeout
        consumerConfiguration.additionalProperties = configuration.additionalProperties
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.bootstrapServers)
        producerConfiguration.clientID = "malomo-consumer-dead-letter"
        producerConfiguration.messageTimeout = .seconds(30)
        // Any record the consumer can receive must fit its dead letter: at librdkafka's default
        // (1,000,000 bytes) a larger undecodable record would be refused before it reached a
        // broker, and its partition would stop at it for good. The brokers' own limit for the
        // dead-letter topic still applies (documented).
        var deadLetterProperties = configuration.additionalProperties
        if deadLetterProperties["message.max.bytes"] == nil { deadLetterProperties["message.max.bytes"] = "1000000000" }
        producerConfiguration.additionalProperties = deadLetterProperties
        let shared = Shared(State(duplicates: configuration.duplicateFilter.map(DuplicateFilter.init)))
        self.configuration = configuration
        self.shared = shared
        self.consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger) { revoked in
            let positions = shared.state.withLock { $0.tracker.revoke(revoked) }
            logger.info(
                "Partitions revoked",
                metadata: ["kafka.partitions": "\(revoked.map(\.description))", "kafka.committing": "\(positions.count)"]
            )
            return positions
        }
        self.deadLetterProducer =
            configuration.writesDeadLetters ? try KafkaProducer(configuration: producerConfiguration, logger: logger) : nil
        self.logger = logger
    }

    /// The next delivery. It stays unprocessed (not committed) until ``markProcessed(_:)``.
    ///
    /// - Returns: `nil` once the consumer was stopped or closed.
    /// - Throws: A `KafkaError` when the consumer failed fatally, or when a dead-letter
    ///   record could not be written (the record then stays unprocessed).
    public func next() async throws -> MalomoDelivery? {
        try await self.commitIfDue()
        while true {
            let message: KafkaConsumerMessage
            switch try await self.consumer.poll(timeout: self.configuration.commitInterval) {
            case .closed: return nil
            case .timedOut:
                // Idle: what was processed still gets committed on time.
                try await self.commitIfDue()
                continue
            case .message(let received): message = received
            }
            let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
            let delivery: MalomoDelivery
            do {
                delivery = try MalomoDelivery.decode(
                    kafkaTopic: message.topic,
                    partition: message.partition,
                    offset: message.offset,
                    key: message.key,
                    headers: message.headers.map { (key: $0.key, value: $0.value) },
                    value: message.value,
                    topicPrefix: self.configuration.topicPrefix
                )
            } catch {
                self.shared.state.withLock { $0.tracker.delivered(partition, offset: message.offset) }
                try await self.deadLetter(message, error: error)
                self.shared.state.withLock { _ = $0.tracker.processed(partition, offset: message.offset) }
                try await self.commitIfDue()
                continue
            }
            // An event counts as seen only once a delivery of it was processed: a record that
            // failed (never marked) and comes back is delivered again, not skipped as a duplicate.
            let duplicate = self.shared.state.withLock { state in
                guard let eventID = delivery.eventID, state.duplicates?.contains(eventID) ?? false else {
                    state.tracker.delivered(partition, offset: message.offset)
                    return false
                }
                state.tracker.skipped(partition, offset: message.offset)
                return true
            }
            if duplicate {
                self.logger.debug(
                    "Skipping duplicate delivery",
                    metadata: ["malomo.event_id": "\(delivery.eventID ?? "")", "kafka.topic": "\(message.topic)"]
                )
                try await self.commitIfDue()
                continue
            }
            return delivery
        }
    }

    /// Marks a delivery from ``next()`` processed: its offset may now be committed (once every
    /// earlier delivery of its partition is processed too). A delivery of a partition revoked
    /// since, or one marked before, is ignored.
    public func markProcessed(_ delivery: MalomoDelivery) {
        self.shared.state.withLock { state in
            let partition = KafkaTopicPartition(topic: delivery.kafkaTopic, partition: delivery.partition)
            guard state.tracker.processed(partition, offset: delivery.offset) else { return }
            // Later deliveries of the same event id are duplicates from now on.
            if let eventID = delivery.eventID { state.duplicates?.remember(eventID) }
        }
    }

    /// Runs `handler` for each delivery until graceful shutdown (or ``stop()``), then commits
    /// what was processed and leaves the group. A record is processed when `handler` returns.
    ///
    /// - Throws: What `handler` threw (that record is not committed, so it is redelivered),
    ///   or a fatal `KafkaError`.
    public func run(handler: @Sendable (MalomoDelivery) async throws -> Void) async throws {
        do {
            try await withGracefulShutdownHandler {
                while let delivery = try await self.next() {
                    try await handler(delivery)
                    self.markProcessed(delivery)
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } catch {
            await self.close()
            throw error
        }
        await self.close()
    }

    /// The group's committed offsets (the next offset to read, -1001 when none) of partitions.
    public func committedOffsets(_ partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] {
        try await self.consumer.committedOffsets(partitions)
    }

    /// Makes the pending and later ``next()`` calls return `nil`; the group is kept until ``close()``.
    public func stop() {
        self.consumer.stopReading()
    }

    /// Commits every processed offset now (see the commit rule). On failure the positions are
    /// kept, to be committed later.
    /// - Throws: The commit's `KafkaError` (`.shutdown` after ``close()``).
    public func commitProcessed() async throws {
        let positions = self.shared.state.withLock { $0.tracker.positions() }
        guard !positions.isEmpty else { return }
        do {
            try await self.consumer.commit(positions: positions)
        } catch {
            self.shared.state.withLock { $0.retryAfter = .now + self.configuration.commitInterval }
            throw error
        }
        self.shared.state.withLock { state in
            state.tracker.committed(positions)
            state.lastCommit = .now
            state.retryAfter = nil
        }
    }

    /// Commits processed offsets (deliveries from ``next()`` not marked processed are not),
    /// then leaves the group and stops. Idempotent; every call after it returns at once.
    public func close() async {
        self.consumer.stopReading()
        do {
            try await self.commitProcessed()
        } catch {
            self.logger.warning("Final commit failed; those records will be redelivered", metadata: ["error": "\(error)"])
        }
        await self.consumer.close()
        await self.deadLetterProducer?.shutdown()
    }

    /// The deliveries as an `AsyncSequence` over ``next()``: mark each one processed with
    /// ``markProcessed(_:)`` when done with it.
    public var deliveries: Deliveries { Deliveries(consumer: self) }

    /// An `AsyncSequence` over ``MalomoEventConsumer/next()``.
    public struct Deliveries: AsyncSequence, Sendable {
        public typealias Element = MalomoDelivery
        let consumer: MalomoEventConsumer

        public struct AsyncIterator: AsyncIteratorProtocol {
            let consumer: MalomoEventConsumer
            public mutating func next() async throws -> MalomoDelivery? { try await self.consumer.next() }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: self.consumer) }
    }

    // MARK: Internals

    private func commitIfDue() async throws {
        let due = self.shared.state.withLock { state in
            let now = ContinuousClock.now
            if let retryAfter = state.retryAfter, now < retryAfter { return false }
            let uncommitted = state.tracker.uncommitted
            return uncommitted >= self.configuration.commitEveryRecords
                || (uncommitted > 0 && now - state.lastCommit >= self.configuration.commitInterval)
        }
        guard due else { return }
        do {
            try await self.commitProcessed()
        } catch {
            // A rebalance can reject a commit: the positions are kept and retried.
            self.logger.warning("Commit failed; retrying after the commit interval", metadata: ["error": "\(error)"])
        }
    }

    private func deadLetter(_ message: KafkaConsumerMessage, error: any Error) async throws {
        let reason = (error as? MalomoDecodingError)?.reason.rawValue ?? "undecodable"
        var headers = message.headers.filter { $0.key != MalomoRecordHeader.deadLetterReason }
        headers.append(KafkaHeader(key: MalomoRecordHeader.deadLetterReason, string: reason))
        headers.append(KafkaHeader(key: MalomoRecordHeader.sourceTopic, string: message.topic))
        headers.append(KafkaHeader(key: MalomoRecordHeader.sourcePartition, string: String(message.partition)))
        headers.append(KafkaHeader(key: MalomoRecordHeader.sourceOffset, string: String(message.offset)))
        headers.append(KafkaHeader(key: MalomoRecordHeader.consumerGroup, string: self.configuration.groupID))
        guard let deadLetterProducer = self.deadLetterProducer else {
            self.logger.warning(
                "Undecodable record skipped (no dead letters are written)",
                metadata: [
                    "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                    "kafka.offset": "\(message.offset)", "malomo.dead_letter_reason": "\(reason)", "error": "\(error)",
                ]
            )
            return
        }
        _ = try await deadLetterProducer.send(
            KafkaProducerRecord(topic: self.configuration.deadLetterTopic, key: message.key, value: message.value, headers: headers)
        )
        self.logger.warning(
            "Undecodable record dead-lettered",
            metadata: [
                "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                "kafka.offset": "\(message.offset)", "malomo.dead_letter_reason": "\(reason)", "error": "\(error)",
            ]
        )
    }
}

/// ``MalomoEventConsumer/run(handler:)`` as a `Service` for swift-service-lifecycle: on
/// graceful shutdown it stops reading, commits what was processed and leaves the group.
public struct MalomoEventConsumerService: Service {
    let consumer: MalomoEventConsumer
    let handler: @Sendable (MalomoDelivery) async throws -> Void

    /// Creates the service.
    public init(consumer: MalomoEventConsumer, handler: @escaping @Sendable (MalomoDelivery) async throws -> Void) {
        self.consumer = consumer
        self.handler = handler
    }

    public func run() async throws {
        try await self.consumer.run(handler: self.handler)
    }
}
