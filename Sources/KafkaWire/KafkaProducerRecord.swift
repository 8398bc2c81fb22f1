/// A record to produce: topic, optional key, value bytes and headers.
public struct KafkaProducerRecord: Sendable {
    /// The topic to write to.
    public var topic: String
    /// The partitioning key; `nil` lets librdkafka spread records.
    public var key: [UInt8]?
    /// The value, sent byte for byte.
    public var value: [UInt8]
    /// Record headers, in order.
    public var headers: [KafkaHeader]
    /// The record timestamp in milliseconds since the epoch; `nil`: when it is produced.
    public var timestampMilliseconds: Int64?

    /// Creates a record.
    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }
}
