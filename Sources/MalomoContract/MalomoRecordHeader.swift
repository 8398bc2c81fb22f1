/// The Kafka header names of the record contract: what the bridge writes on every record,
/// what the consumer library reads, and what either side adds to dead letters.
///
/// Names are lowercase; values are UTF-8 text.
public enum MalomoRecordHeader {
    /// The `Malomo-Topic` request header, as received.
    public static let malomoTopic = "malomo-topic"
    /// The `Malomo-Webhook-Id` request header, as received.
    public static let webhookID = "malomo-webhook-id"
    /// The `Malomo-Attempt-Number` request header, as received (1 on the first try).
    public static let attemptNumber = "malomo-attempt-number"
    /// The event id (see ``MalomoEventID``): equal for Malomo's retries of one event.
    public static let eventID = "malomo-event-id"
    /// When the bridge received the request, RFC 3339 UTC with milliseconds.
    public static let receivedAt = "malomo-received-at"
    /// Always `application/json` (CloudEvents' `datacontenttype`).
    public static let contentType = "content-type"
    /// Only on dead-letter records: a ``DeadLetterReason`` raw value (the bridge) or a
    /// decoding-failure reason (the consumer library).
    public static let deadLetterReason = "malomo-dead-letter-reason"

    /// On the consumer library's dead letters: the topic, partition and offset the undecodable
    /// record was read from, and the consumer group that could not decode it.
    public static let sourceTopic = "malomo-source-topic"
    /// See ``sourceTopic``.
    public static let sourcePartition = "malomo-source-partition"
    /// See ``sourceTopic``.
    public static let sourceOffset = "malomo-source-offset"
    /// See ``sourceTopic``.
    public static let consumerGroup = "malomo-consumer-group"

    /// Only on records `malomo-admin dead-letters redrive` moved out of the dead-letter topic:
    /// `<topic>/<partition>/<offset>` of the dead letter it copies. Such a record carries the
    /// dead letter's value, key and headers, without ``deadLetterReason``.
    public static let redrivenFrom = "malomo-redriven-from"

    /// CloudEvents 1.0 Kafka protocol binding, binary content mode: the `ce_` headers.
    public enum CloudEvents {
        /// `ce_specversion`: always `1.0`.
        public static let specVersion = "ce_specversion"
        /// `ce_id`: the event id.
        public static let id = "ce_id"
        /// `ce_type`: `com.gomalomo.` + the Malomo topic with `:` → `.`.
        public static let type = "ce_type"
        /// `ce_source`: the webhook resource that delivered the event.
        public static let source = "ce_source"
        /// `ce_time`: when the bridge received the webhook.
        public static let time = "ce_time"
        /// `ce_subject`: the resource id (the record key), when present.
        public static let subject = "ce_subject"
    }

    /// Every header the bridge writes, in the order it writes them.
    public static let bridgeHeaders: [String] = [
        malomoTopic, webhookID, attemptNumber, eventID, receivedAt, contentType, CloudEvents.specVersion, CloudEvents.id,
        CloudEvents.type, CloudEvents.source, CloudEvents.time, CloudEvents.subject, deadLetterReason,
    ]
}
