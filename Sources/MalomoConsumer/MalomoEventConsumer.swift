import KafkaWire
import Logging
import MalomoContract
import MalomoModels
import ServiceLifecycle
import Synchronization

/// Consumes the bridge's topics and yields typed ``MalomoDelivery`` values, at least once.
///
/// - A record counts as processed when the handler returned (``run(handler:)``), or when
///   the next delivery is requested (``next()`` / `for try await`). Only processed offsets
///   are committed: periodically, and on ``close()`` or graceful shutdown.
/// - A record that cannot be decoded goes to the dead-letter topic with a
///   `malomo-dead-letter-reason` header, and the consumer moves on.
/// - Redeliveries of an event id seen within the duplicate filter's TTL are skipped.
///
/// Use it from one task at a time.
public final class MalomoEventConsumer: Sendable {
    private struct State: Sendable {
        var pending: KafkaConsumerMessage? = nil
        var processed: [String: [Int32: Int64]] = [:]
        var uncommitted = 0
        var lastCommit = ContinuousClock.now
        var duplicates: DuplicateFilter?
    }

    private let configuration: MalomoConsumerConfiguration
    private let consumer: KafkaConsumer
    private let deadLetterProducer: KafkaProducer
    private let logger: Logger
    private let state: Mutex<State>

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
        producerConfiguration.additionalProperties = configuration.additionalProperties
        self.configuration = configuration
        self.consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        self.deadLetterProducer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        self.logger = logger
        self.state = Mutex(State(duplicates: configuration.duplicateFilter.map(DuplicateFilter.init)))
    }

    /// The next delivery; marks the previous one processed.
    ///
    /// - Returns: `nil` once the consumer was stopped or closed.
    /// - Throws: A `KafkaError` when the consumer failed fatally, or when a dead-letter
    ///   record could not be written (the record is then not marked processed).
    public func next() async throws -> MalomoDelivery? {
        self.markPendingProcessed()
        try await self.commitIfDue()
        while let message = try await self.consumer.next() {
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
                try await self.deadLetter(message, error: error)
                self.markProcessed(message)
                continue
            }
            if let eventID = delivery.eventID, self.state.withLock({ $0.duplicates?.isDuplicate(eventID) ?? false }) {
                self.logger.debug(
                    "Skipping duplicate delivery",
                    metadata: ["malomo.event_id": "\(eventID)", "kafka.topic": "\(message.topic)"]
                )
                self.markProcessed(message)
                continue
            }
            self.state.withLock { $0.pending = message }
            return delivery
        }
        return nil
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
                    self.markPendingProcessed()
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } catch {
            self.state.withLock { $0.pending = nil }
            await self.close()
            throw error
        }
        await self.close()
    }

    /// Makes the pending and later ``next()`` calls return `nil`; the group is kept until ``close()``.
    public func stop() {
        self.consumer.stopReading()
    }

    /// Commits every processed offset now.
    public func commitProcessed() async throws {
        let positions = self.state.withLock { state in
            defer {
                state.processed = [:]
                state.uncommitted = 0
                state.lastCommit = .now
            }
            return state.processed.flatMap { topic, partitions in
                partitions.map { (topic: topic, partition: $0.key, offset: $0.value) }
            }
        }
        try await self.consumer.commit(positions: positions)
    }

    /// Commits processed offsets (the delivery last returned by ``next()`` is **not**
    /// processed unless ``run(handler:)`` or another ``next()`` marked it), then leaves the
    /// group and stops. Idempotent.
    public func close() async {
        self.consumer.stopReading()
        do {
            try await self.commitProcessed()
        } catch {
            self.logger.warning("Final commit failed; those records will be redelivered", metadata: ["error": "\(error)"])
        }
        await self.consumer.close()
        await self.deadLetterProducer.shutdown()
    }

    /// The deliveries as an `AsyncSequence`; each element is marked processed when the next is requested.
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

    private func markPendingProcessed() {
        self.state.withLock { state in
            guard let message = state.pending else { return }
            state.pending = nil
            Self.mark(message, in: &state)
        }
    }

    private func markProcessed(_ message: KafkaConsumerMessage) {
        self.state.withLock { state in Self.mark(message, in: &state) }
    }

    private static func mark(_ message: KafkaConsumerMessage, in state: inout State) {
        state.processed[message.topic, default: [:]][message.partition] = max(
            state.processed[message.topic]?[message.partition] ?? -1,
            message.offset
        )
        state.uncommitted += 1
    }

    private func commitIfDue() async throws {
        let due = self.state.withLock { state in
            state.uncommitted >= self.configuration.commitEveryRecords
                || (state.uncommitted > 0 && ContinuousClock.now - state.lastCommit >= self.configuration.commitInterval)
        }
        guard due else { return }
        do {
            try await self.commitProcessed()
        } catch {
            // A rebalance can reject a commit; the records are then redelivered (at least once).
            self.logger.warning("Commit failed; those records may be redelivered", metadata: ["error": "\(error)"])
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
        _ = try await self.deadLetterProducer.send(
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
