/// One Kafka record header.
public struct KafkaHeader: Sendable, Hashable {
    /// The header name.
    public var key: String
    /// The header value; `nil` is a header with a null value.
    public var value: [UInt8]?

    /// Creates a header from bytes.
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Creates a header from UTF-8 text.
    public init(key: String, string: String) {
        self.key = key
        self.value = Array(string.utf8)
    }

    /// The value as UTF-8 text, if it is valid UTF-8.
    public var stringValue: String? {
        self.value.flatMap { String(validating: $0, as: UTF8.self) }
    }
}
