import KafkaWire
import MalomoContract
import MalomoWebhookCore

/// What the current routing rules make of one record in the dead-letter topic.
public enum DeadLetterVerdict: Sendable, Hashable {
    /// The bridge's router now sends it to this Kafka topic (e.g. its topic was added to
    /// `MALOMO_ALLOWED_TOPICS`).
    case routable(kafkaTopic: String, malomoTopic: MalomoTopic)
    /// Still unroutable, for this reason (the router's, recomputed).
    case unroutable(DeadLetterReason)
    /// A consumer's dead letter (a record it could not decode, with `malomo-source-topic`):
    /// routing it again would loop.
    case consumerDeadLetter
    /// No `malomo-dead-letter-reason`: not written by the bridge.
    case foreign

    /// Judges `record` by running the bridge's router on it again, with the headers the bridge
    /// received: the same decision the bridge would take today.
    public static func of(_ record: KafkaConsumerMessage, router: WebhookRouter) -> DeadLetterVerdict {
        guard record.header(MalomoRecordHeader.deadLetterReason)?.stringValue != nil else { return .foreign }
        if record.header(MalomoRecordHeader.sourceTopic) != nil { return .consumerDeadLetter }
        let rerouted = router.record(
            body: record.value,
            malomoTopic: record.header(MalomoRecordHeader.malomoTopic)?.stringValue,
            webhookID: record.header(MalomoRecordHeader.webhookID)?.stringValue,
            attemptNumber: record.header(MalomoRecordHeader.attemptNumber)?.stringValue,
            receivedAt: record.header(MalomoRecordHeader.receivedAt)?.stringValue ?? ""
        )
        if let reason = rerouted.deadLetterReason { return .unroutable(reason) }
        guard let topic = rerouted.malomoTopic else { return .unroutable(.malformedTopic) }
        return .routable(kafkaTopic: rerouted.topic, malomoTopic: topic)
    }
}
