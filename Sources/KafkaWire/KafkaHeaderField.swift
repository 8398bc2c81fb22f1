/// A record header as ``KafkaProducer`` takes it: anything with a name and value bytes, so a
/// caller's own header type reaches `rd_kafka_header_add` without being copied into a
/// ``KafkaHeader`` first.
public protocol KafkaHeaderField {
    /// The header name.
    var kafkaHeaderName: String { get }
    /// Calls `body` with the value's bytes in place (`nil`: a header with a null value).
    func withKafkaHeaderValue<Result>(_ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result
}

extension KafkaHeader: KafkaHeaderField {
    public var kafkaHeaderName: String { self.key }

    public func withKafkaHeaderValue<Result>(_ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
        guard let value = self.value else { return try body(nil) }
        return try value.withUnsafeBytes { try body($0) }
    }
}
