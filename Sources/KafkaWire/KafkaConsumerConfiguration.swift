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
    /// Any other librdkafka property, passed through as is. These win over the fields above,
    /// except the two that would commit offsets behind the application's back
    /// (`enable.auto.commit`, `enable.auto.offset.store`): set to anything but false, the
    /// consumer refuses to start (``KafkaConsumer/init(configuration:logger:onRevoke:)``).
    public var additionalProperties: [String: String] = [:]

    /// Creates a configuration.
    public init(bootstrapServers: [String], groupID: String, topics: [String]) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
    }

    /// The properties that must stay false: together they make librdkafka store every polled
    /// record's offset and commit it every few seconds and at close, so a record whose
    /// processing failed, or was under way at a crash, would be skipped as consumed.
    static let explicitCommitProperties = ["enable.auto.commit", "enable.auto.offset.store"]

    /// Refuses `additionalProperties` that turn on automatic commits or offset stores.
    /// - Throws: A ``KafkaError/Code/configuration`` error naming the property.
    func checkExplicitCommits() throws(KafkaError) {
        for key in Self.explicitCommitProperties {
            guard let value = self.additionalProperties[key] else { continue }
            // librdkafka's spellings of false.
            guard !["false", "f", "0"].contains(value.trimmingASCIISpaces().lowercased()) else { continue }
            throw KafkaError(
                code: .configuration,
                reason: "\(key)=\(value) is refused: offsets are committed only after the application processed a record "
                    + "(remove \(key) from the additional properties)"
            )
        }
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

extension String {
    /// Without leading and trailing ASCII spaces and tabs.
    fileprivate func trimmingASCIISpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = self.firstIndex(where: { !isSpace($0) }), let last = self.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
