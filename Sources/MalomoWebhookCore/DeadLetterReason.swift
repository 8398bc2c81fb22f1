/// Why a verified webhook went to the dead-letter topic. The raw values are stable: they
/// appear in the `malomo-dead-letter-reason` header and as a metric label.
public struct DeadLetterReason: Sendable, Hashable, CustomStringConvertible {
    /// The header and label value.
    public let rawValue: String

    /// The body is not valid JSON.
    public static let invalidJSON = DeadLetterReason(rawValue: "invalid_json")
    /// The request has no `Malomo-Topic` header.
    public static let missingTopic = DeadLetterReason(rawValue: "missing_topic")
    /// `Malomo-Topic` is not of the form `resource:verb`.
    public static let malformedTopic = DeadLetterReason(rawValue: "malformed_topic")
    /// The topic is well-formed but not in the configured allow-list.
    public static let topicNotAllowed = DeadLetterReason(rawValue: "topic_not_allowed")

    /// Every reason, for pre-registering metrics.
    public static let all: [DeadLetterReason] = [.invalidJSON, .missingTopic, .malformedTopic, .topicNotAllowed]

    public var description: String { self.rawValue }
}
