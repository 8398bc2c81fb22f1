import MalomoContract

/// The Kafka record for one verified webhook: where it goes and what it carries.
public struct WebhookRecord: Sendable, Hashable {
    /// The Kafka topic: the mapped Malomo topic, or the dead-letter topic.
    public var topic: String
    /// The body's top-level `"id"`, if it has one.
    public var key: [UInt8]?
    /// Headers in contract order (see ``WebhookRecordHeader``).
    public var headers: [MalomoHeaderField]
    /// The event id (also in the headers).
    public var eventID: String
    /// Set when the record goes to the dead-letter topic.
    public var deadLetterReason: DeadLetterReason?
    /// The Malomo topic, when it was well-formed.
    public var malomoTopic: MalomoTopic?

    public static func == (lhs: WebhookRecord, rhs: WebhookRecord) -> Bool {
        lhs.topic == rhs.topic && lhs.key == rhs.key && lhs.eventID == rhs.eventID
            && lhs.deadLetterReason == rhs.deadLetterReason && lhs.malomoTopic == rhs.malomoTopic
            && lhs.headers == rhs.headers
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.topic)
        hasher.combine(self.eventID)
    }
}
