import KafkaWire
import MalomoContract
import MalomoModels

/// Settings of a ``MalomoEventConsumer``.
public struct MalomoConsumerConfiguration: Sendable {
    /// Kafka bootstrap servers.
    public var bootstrapServers: [String]
    /// Consumer group: instances sharing it split the partitions.
    public var groupID: String
    /// The Malomo topics to consume. Default: the seven documented ones (`MalomoTopic.known`).
    public var topics: [MalomoTopic] = MalomoTopic.known
    /// The bridge's `KAFKA_TOPIC_PREFIX`. Default: `malomo.`.
    public var topicPrefix: String = MalomoContractDefaults.topicPrefix
    /// Where undecodable records go (with a `malomo-dead-letter-reason` header), so they never
    /// block their partition. Default: `malomo.consumer-dead-letter`. Give this topic a
    /// `max.message.bytes` at least as large as the consumed topics': a dead letter the brokers
    /// refuse stops its partition (``MalomoEventConsumer/next()`` throws) until they take it.
    public var deadLetterTopic: String = MalomoContractDefaults.consumerDeadLetterTopic
    /// Whether undecodable records are written to ``deadLetterTopic``. Default: `true`. With
    /// `false` the consumer writes nothing to Kafka but its group's offsets: an undecodable
    /// record is logged (a warning naming its topic, partition, offset and reason) and counted
    /// as processed, so it is skipped, not kept. For tools that only look (`malomo-events-tail`),
    /// which should neither fill the dead-letter topic with a copy per run nor need the right to
    /// write to it.
    public var writesDeadLetters = true
    /// Drop redeliveries of an event id seen recently. Default: on, 100 000 ids, 24 h
    /// (Malomo's retry window). `nil` turns it off.
    public var duplicateFilter: DuplicateFilter.Configuration? = .init()
    /// Commit processed offsets after this many records… Default: 100.
    public var commitEveryRecords: Int = 100
    /// …or after this long, whichever comes first. Default: 1 s.
    public var commitInterval: Duration = .seconds(1)
    /// Where a group with no committed offset starts. Default: `earliest`.
    public var autoOffsetReset: String = "earliest"
    /// `session.timeout.ms`. Default: 10 s.
    public var sessionTimeout: Duration = .seconds(10)
    /// Other librdkafka properties (TLS, SASL…), for both the consumer and the dead-letter producer.
    /// `enable.auto.commit` and `enable.auto.offset.store` set to anything but false are refused
    /// (the consumer does not start): offsets are committed only after ``MalomoEventConsumer/markProcessed(_:)``.
    public var additionalProperties: [String: String] = [:]

    /// Creates a configuration.
    public init(bootstrapServers: [String], groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    var kafkaTopics: [String] { self.topics.map { $0.kafkaTopic(prefix: self.topicPrefix) } }
}
