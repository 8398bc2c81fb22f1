/// The offsets bounding one partition's stored records.
public struct KafkaPartitionWatermarks: Sendable, Hashable {
    /// The partition id.
    public var partition: Int32
    /// The first offset still stored.
    public var low: Int64
    /// The offset the next record written will get (one past the last stored record).
    public var high: Int64

    /// Creates watermarks.
    public init(partition: Int32, low: Int64, high: Int64) {
        self.partition = partition
        self.low = low
        self.high = high
    }
}
