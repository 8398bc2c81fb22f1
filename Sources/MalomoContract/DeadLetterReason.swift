/// Why a verified webhook went to the dead-letter topic. The raw values are stable: they
/// appear in the `malomo-dead-letter-reason` header and as a metric label.
public struct DeadLetterReason: Sendable, Hashable, CustomStringConvertible {
    /// The header and label value.
    public let rawValue: String

    /// Creates a reason from its header value (a consumer reading records).
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The body is not valid JSON.
    public static let invalidJSON = DeadLetterReason(rawValue: "invalid_json")
    /// The request has no `Malomo-Topic` header.
    public static let missingTopic = DeadLetterReason(rawValue: "missing_topic")
    /// `Malomo-Topic` is not of the form `resource:verb` (see ``MalomoTopic``).
    public static let malformedTopic = DeadLetterReason(rawValue: "malformed_topic")
    /// The topic is well-formed but not in `MALOMO_ALLOWED_TOPICS` (by default the seven
    /// documented topics), so no Kafka topic is created for it.
    public static let topicNotAllowed = DeadLetterReason(rawValue: "topic_not_allowed")
    /// `Malomo-Webhook-Id` is not printable ASCII, so it cannot go into a record header.
    public static let invalidHeader = DeadLetterReason(rawValue: "invalid_header")

    /// Every reason the bridge writes, for pre-registering metrics.
    public static let all: [DeadLetterReason] = [.invalidJSON, .missingTopic, .malformedTopic, .topicNotAllowed, .invalidHeader]

    public var description: String { self.rawValue }
}
