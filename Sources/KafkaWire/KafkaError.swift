/// An error from the Kafka layer: librdkafka's own error code plus a readable reason.
///
/// Equality uses only the code, so callers can match `error == .queueFull`.
public struct KafkaError: Error, Hashable, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: Hashable, Sendable {
            case configuration
            case queueFull
            case messageTimedOut
            case shutdown
            case unconfirmed
            case broker(Int32)
        }
        fileprivate let kind: Kind

        /// A librdkafka property was rejected.
        public static let configuration = Code(kind: .configuration)
        /// librdkafka's local queue is full (`queue.buffering.max.messages` or `.kbytes`).
        public static let queueFull = Code(kind: .queueFull)
        /// The message was not acknowledged before `message.timeout.ms`.
        public static let messageTimedOut = Code(kind: .messageTimedOut)
        /// The client is shutting down and takes no more work.
        public static let shutdown = Code(kind: .shutdown)
        /// The broker acknowledged without an offset, so the record's presence is not confirmed.
        public static let unconfirmed = Code(kind: .unconfirmed)
        /// Any other librdkafka error code (`rd_kafka_resp_err_t`).
        public static func broker(_ rawValue: Int32) -> Code { Code(kind: .broker(rawValue)) }

        public var description: String {
            switch self.kind {
            case .configuration: "configuration"
            case .queueFull: "queue_full"
            case .messageTimedOut: "message_timed_out"
            case .shutdown: "shutdown"
            case .unconfirmed: "unconfirmed"
            case .broker(let raw): "rdkafka_\(raw)"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// librdkafka's text for the failure, or ours. Never contains message payloads or secrets.
    public let reason: String

    /// Creates an error.
    public init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }

    /// A short, bounded label for metrics (`queue_full`, `message_timed_out`, `rdkafka_-195`, …).
    public var label: String { self.code.description }

    public var description: String { "KafkaError(\(self.code)): \(self.reason)" }

    public static func == (lhs: KafkaError, rhs: KafkaError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }
}
