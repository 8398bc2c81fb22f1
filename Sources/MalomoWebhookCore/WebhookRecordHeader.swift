/// The Kafka header names of the record contract.
public enum WebhookRecordHeader {
    /// The `Malomo-Topic` request header, as received.
    public static let malomoTopic = "malomo-topic"
    /// The `Malomo-Webhook-Id` request header.
    public static let webhookID = "malomo-webhook-id"
    /// The `Malomo-Attempt-Number` request header.
    public static let attemptNumber = "malomo-attempt-number"
    /// Lowercase hex SHA-256 of the raw body (see ``WebhookEventID``).
    public static let eventID = "malomo-event-id"
    /// When the bridge received the request, RFC 3339 UTC.
    public static let receivedAt = "malomo-received-at"
    /// Always `application/json`.
    public static let contentType = "content-type"
    /// Only on dead-letter records: a ``DeadLetterReason`` raw value.
    public static let deadLetterReason = "malomo-dead-letter-reason"
}
