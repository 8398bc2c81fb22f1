/// The defaults both sides of the bridge agree on: a consumer that reads what a default
/// bridge writes uses exactly these.
public enum MalomoContractDefaults {
    /// Prepended to every routed Kafka topic (`KAFKA_TOPIC_PREFIX`).
    public static let topicPrefix = "malomo."
    /// Where the bridge writes verified webhooks it cannot route (`KAFKA_DEAD_LETTER_TOPIC`).
    public static let deadLetterTopic = "malomo.dead-letter"
    /// Where the consumer library writes records it cannot decode.
    public static let consumerDeadLetterTopic = "malomo.consumer-dead-letter"
    /// The record's `content-type` (CloudEvents' `datacontenttype`).
    public static let contentType = "application/json"
}
