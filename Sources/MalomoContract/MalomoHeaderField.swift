/// One header of a record the bridge writes: a contract name (``MalomoRecordHeader``) and its
/// UTF-8 text value. The bridge hands these to librdkafka as they are (KafkaWire's
/// `KafkaHeaderField`), without converting them into another header type on the way.
public struct MalomoHeaderField: Sendable, Hashable {
    /// The header name.
    public var name: String
    /// The value, as text.
    public var value: String

    /// A header `name: value`.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
