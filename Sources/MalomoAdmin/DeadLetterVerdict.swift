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
        guard record.text(MalomoRecordHeader.deadLetterReason) != nil else { return .foreign }
        if record.header(MalomoRecordHeader.sourceTopic) != nil { return .consumerDeadLetter }
        let rerouted = router.record(
            body: record.value,
            malomoTopic: record.text(MalomoRecordHeader.malomoTopic),
            webhookID: record.text(MalomoRecordHeader.webhookID),
            attemptNumber: record.text(MalomoRecordHeader.attemptNumber),
            receivedAt: record.text(MalomoRecordHeader.receivedAt) ?? ""
        )
        if let reason = rerouted.deadLetterReason { return .unroutable(reason) }
        guard let topic = rerouted.malomoTopic else { return .unroutable(.malformedTopic) }
        return .routable(kafkaTopic: rerouted.topic, malomoTopic: topic)
    }
}

extension KafkaConsumerMessage {
    /// A header's value as UTF-8 text; `nil` when absent, null or not UTF-8.
    func text(_ name: String) -> String? {
        self.header(name)?.value.flatMap { String(validating: $0, as: UTF8.self) }
    }
}
