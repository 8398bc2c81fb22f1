/// Settings of a ``KafkaConsumer``.
public struct KafkaConsumerConfiguration: Sendable {
    /// `bootstrap.servers`.
    public var bootstrapServers: [String]
    /// `group.id`: consumers sharing it split the partitions between them.
    public var groupID: String
    /// The Kafka topics to subscribe to.
    public var topics: [String]
    /// Where a group with no committed offset starts: `earliest` or `latest`. Default: `earliest`.
    public var autoOffsetReset: String = "earliest"
    /// `session.timeout.ms`. Default: 10 s.
    public var sessionTimeout: Duration = .seconds(10)
    /// `client.id`. Default: `malomo-consumer`.
    public var clientID: String = "malomo-consumer"
    /// Any other librdkafka property, passed through as is. These win over the fields above.
    public var additionalProperties: [String: String] = [:]

    /// Creates a configuration.
    public init(bootstrapServers: [String], groupID: String, topics: [String]) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
    }

    /// The librdkafka properties this configuration stands for. Offsets are committed
    /// explicitly (never automatically), so a record counts as consumed only when the
    /// application says so.
    public var librdkafkaProperties: [(key: String, value: String)] {
        var properties: [(key: String, value: String)] = [
            ("bootstrap.servers", self.bootstrapServers.joined(separator: ",")),
            ("group.id", self.groupID),
            ("client.id", self.clientID),
            ("auto.offset.reset", self.autoOffsetReset),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("session.timeout.ms", String(self.sessionTimeout.wholeMilliseconds)),
        ]
        for key in self.additionalProperties.keys.sorted() {
            properties.append((key, self.additionalProperties[key]!))
        }
        return properties
    }
}
