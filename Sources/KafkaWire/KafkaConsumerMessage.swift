/// A record read from Kafka.
public struct KafkaConsumerMessage: Sendable, Hashable {
    /// The topic it was read from.
    public var topic: String
    /// Its partition.
    public var partition: Int32
    /// Its offset in the partition.
    public var offset: Int64
    /// Its key, if it has one.
    public var key: [UInt8]?
    /// Its value bytes (empty for a null value).
    public var value: [UInt8]
    /// Its headers, in order.
    public var headers: [KafkaHeader]
    /// The record timestamp in milliseconds since the epoch, if known.
    public var timestampMilliseconds: Int64?

    /// Creates a message.
    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8],
        headers: [KafkaHeader],
        timestampMilliseconds: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// The first header with this name.
    public func header(_ key: String) -> KafkaHeader? {
        self.headers.first { $0.key == key }
    }
}
