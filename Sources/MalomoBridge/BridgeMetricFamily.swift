import MalomoContract

/// One metric family the bridge exposes: its name, Prometheus type and help text (what it
/// counts, the unit, what its labels mean). The table is the one place a family is described:
/// `/metrics` prints it as `# HELP`, and tests hold the README and the alert rules to it.
public struct BridgeMetricFamily: Sendable, Hashable {
    /// The Prometheus type.
    public enum Kind: String, Sendable, Hashable {
        case counter, gauge, histogram
    }

    /// The family name, `malomo_bridge_…`.
    public let name: String
    /// The Prometheus type.
    public let kind: Kind
    /// The `# HELP` text.
    public let help: String

    /// Every family, in the README's order.
    public static let all: [BridgeMetricFamily] = [
        .init(
            name: "malomo_bridge_webhooks_received_total",
            kind: .counter,
            help: "Webhook requests answered, by topic (a documented Malomo topic, other, invalid, or unverified "
                + "before the signature was checked) and outcome (\(WebhookOutcome.all.map(\.rawValue).joined(separator: ", ")))."
        ),
        .init(
            name: "malomo_bridge_request_duration_seconds",
            kind: .histogram,
            help: "Seconds from a webhook request's arrival to its answer."
        ),
        .init(
            name: "malomo_bridge_ack_latency_seconds",
            kind: .histogram,
            help: "Seconds from handing a record to the producer to the broker's answer (or its failure)."
        ),
        .init(
            name: "malomo_bridge_delivery_attempt_number",
            kind: .histogram,
            help: "Malomo-Attempt-Number of verified webhooks (1 to 10; Malomo gives up after 10): "
                + "high values mean earlier deliveries failed."
        ),
        .init(
            name: "malomo_bridge_requests_in_flight",
            kind: .gauge,
            help: "Webhook requests being handled now (bounded by MAX_IN_FLIGHT)."
        ),
        .init(
            name: "malomo_bridge_produce_in_flight",
            kind: .gauge,
            help: "Records handed to the producer and awaiting the broker's acknowledgement."
        ),
        .init(
            name: "malomo_bridge_kafka_delivery_errors_total",
            kind: .counter,
            help: "Records Kafka did not acknowledge, by reason (message_timed_out, queue_full, shutdown, "
                + "unconfirmed, rdkafka_<code>); each is a 503 to Malomo, which retries."
        ),
        .init(
            name: "malomo_bridge_dead_letters_total",
            kind: .counter,
            help: "Verified webhooks written to the dead-letter topic, by reason (\(DeadLetterReason.all.map(\.rawValue).joined(separator: ", "))) "
                + "and Malomo topic (documented, up to 32 undocumented ones, other, invalid, none)."
        ),
        .init(
            name: "malomo_bridge_secret_reloads_total",
            kind: .counter,
            help: "Reloads of MALOMO_WEBHOOK_SECRETS_DIR, by result (success, failure: the previous secrets were kept)."
        ),
        .init(
            name: "malomo_bridge_webhook_secrets",
            kind: .gauge,
            help: "Webhook secrets loaded (defaults plus per webhook id)."
        ),
        .init(
            name: "malomo_bridge_ready",
            kind: .gauge,
            help: "1 when /readyz answers 200 (a broker answered within the last second, no fatal producer error, not draining), else 0."
        ),
        .init(
            name: "malomo_bridge_max_in_flight",
            kind: .gauge,
            help: "MAX_IN_FLIGHT, the configured bound on webhook requests handled at once (for alerts on saturation)."
        ),
        .init(
            name: "malomo_bridge_ack_timeout_seconds",
            kind: .gauge,
            help: "ACK_TIMEOUT_MS in seconds, how long a webhook waits for the broker (for alerts on ack latency)."
        ),
        .init(
            name: "malomo_bridge_start_time_seconds",
            kind: .gauge,
            help: "When this process started, in seconds since the Unix epoch (its changes count restarts)."
        ),
        .init(
            name: "malomo_bridge_kafka_queue_messages",
            kind: .gauge,
            help: "Messages in librdkafka's producer queue (librdkafka statistics)."
        ),
        .init(
            name: "malomo_bridge_kafka_queue_bytes",
            kind: .gauge,
            help: "Bytes in librdkafka's producer queue (librdkafka statistics)."
        ),
        .init(
            name: "malomo_bridge_kafka_messages_sent_total",
            kind: .counter,
            help: "Messages sent to brokers, retries included (librdkafka statistics)."
        ),
        .init(
            name: "malomo_bridge_kafka_bytes_sent_total",
            kind: .counter,
            help: "Bytes sent to brokers (librdkafka statistics)."
        ),
        .init(
            name: "malomo_bridge_kafka_broker_rtt_seconds",
            kind: .gauge,
            help: "Average round-trip time to each broker in seconds, by broker node id (librdkafka statistics)."
        ),
        .init(
            name: "malomo_bridge_log_lines_dropped_total",
            kind: .counter,
            help: "Log lines dropped because standard error was not read fast enough (LOG_BUFFER_BYTES of lines waiting) or refused writes."
        ),
    ]

    /// The help text of `name`, if it is a bridge family.
    static func help(for name: String) -> String? {
        Self.byName[name]?.help
    }

    private static let byName: [String: BridgeMetricFamily] = Dictionary(uniqueKeysWithValues: Self.all.map { ($0.name, $0) })
}
