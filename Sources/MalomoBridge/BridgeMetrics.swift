import CoreMetrics
import Foundation
import KafkaWire
import MalomoContract
import MalomoWebhookCore
import Metrics
import Synchronization

import class Prometheus.PrometheusCollectorRegistry

/// The bridge's metrics: swift-metrics types on a Prometheus registry of its own (no global
/// bootstrap, so several bridges in one process — tests — do not mix). Every label value
/// comes from a fixed set, never from unauthenticated input.
public final class BridgeMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: DescribedMetricsFactory
    /// topic label → outcome → counter (two lookups, no key string built per request).
    private let received: Mutex<[String: [String: CoreMetrics.Counter]]> = Mutex([:])
    private let deliveryErrors: Mutex<[String: CoreMetrics.Counter]> = Mutex([:])
    private let deadLetters: Mutex<[String: CoreMetrics.Counter]> = Mutex([:])
    private let brokerRoundTrip: Mutex<[Int: CoreMetrics.Gauge]> = Mutex([:])
    private let sentTotals = Mutex<(messages: Int, bytes: Int)>((0, 0))

    let ackLatency: CoreMetrics.Timer
    let requestDuration: CoreMetrics.Timer
    let attemptNumber: CoreMetrics.Recorder
    let requestsInFlight: CoreMetrics.Gauge
    let produceInFlight: CoreMetrics.Gauge
    let secretReloadSuccesses: CoreMetrics.Counter
    let secretReloadFailures: CoreMetrics.Counter
    let secretsLoaded: CoreMetrics.Gauge
    let ready: CoreMetrics.Gauge
    let kafkaQueueMessages: CoreMetrics.Gauge
    let kafkaQueueBytes: CoreMetrics.Gauge
    let kafkaMessagesSent: CoreMetrics.Counter
    let kafkaBytesSent: CoreMetrics.Counter
    let logLinesDropped: CoreMetrics.Counter
    private let maxInFlight: CoreMetrics.Gauge
    private let ackTimeout: CoreMetrics.Gauge
    private let startTime: CoreMetrics.Gauge

    /// Latency buckets, in seconds: fine below 50 ms (the promise is milliseconds), up to the 10 s Malomo allows.
    static let latencyBuckets: [Duration] = [
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ].map { .nanoseconds(Int64($0 * 1e9)) }

    /// Creates the metrics on a new registry.
    public init() {
        let registry = PrometheusCollectorRegistry()
        let factory = DescribedMetricsFactory(
            registry: registry,
            durationBuckets: Self.latencyBuckets,
            valueBuckets: ["malomo_bridge_delivery_attempt_number": (1...10).map(Double.init)]
        )
        self.registry = registry
        self.factory = factory
        self.ackLatency = CoreMetrics.Timer(label: "malomo_bridge_ack_latency_seconds", factory: factory)
        self.requestDuration = CoreMetrics.Timer(label: "malomo_bridge_request_duration_seconds", factory: factory)
        self.attemptNumber = CoreMetrics.Recorder(label: "malomo_bridge_delivery_attempt_number", aggregate: true, factory: factory)
        self.requestsInFlight = CoreMetrics.Gauge(label: "malomo_bridge_requests_in_flight", factory: factory)
        self.produceInFlight = CoreMetrics.Gauge(label: "malomo_bridge_produce_in_flight", factory: factory)
        self.secretReloadSuccesses = CoreMetrics.Counter(
            label: "malomo_bridge_secret_reloads_total",
            dimensions: [("result", "success")],
            factory: factory
        )
        self.secretReloadFailures = CoreMetrics.Counter(
            label: "malomo_bridge_secret_reloads_total",
            dimensions: [("result", "failure")],
            factory: factory
        )
        self.secretsLoaded = CoreMetrics.Gauge(label: "malomo_bridge_webhook_secrets", factory: factory)
        self.ready = CoreMetrics.Gauge(label: "malomo_bridge_ready", factory: factory)
        self.kafkaQueueMessages = CoreMetrics.Gauge(label: "malomo_bridge_kafka_queue_messages", factory: factory)
        self.kafkaQueueBytes = CoreMetrics.Gauge(label: "malomo_bridge_kafka_queue_bytes", factory: factory)
        self.kafkaMessagesSent = CoreMetrics.Counter(label: "malomo_bridge_kafka_messages_sent_total", factory: factory)
        self.kafkaBytesSent = CoreMetrics.Counter(label: "malomo_bridge_kafka_bytes_sent_total", factory: factory)
        self.logLinesDropped = CoreMetrics.Counter(label: "malomo_bridge_log_lines_dropped_total", factory: factory)
        self.maxInFlight = CoreMetrics.Gauge(label: "malomo_bridge_max_in_flight", factory: factory)
        self.ackTimeout = CoreMetrics.Gauge(label: "malomo_bridge_ack_timeout_seconds", factory: factory)
        self.startTime = CoreMetrics.Gauge(label: "malomo_bridge_start_time_seconds", factory: factory)
        self.startTime.record(Date().timeIntervalSince1970)
        // Pre-register the common series, so dashboards see zeros rather than gaps.
        for topic in MalomoTopic.known {
            self.receivedCounter(topicLabel: topic.rawValue, outcome: .accepted).increment(by: 0)
        }
        for reason in DeadLetterReason.all { self.deadLettered(reason: reason, topicLabel: "none", count: 0) }
        // And the series alerts take a rate of: a series born at 1 shows no increase until its
        // second change, so the first refusals after a start would go unseen.
        for outcome in [WebhookOutcome.signatureMissing, .signatureMalformed, .signatureMismatch, .noSecret] {
            self.receivedCounter(topicLabel: "unverified", outcome: outcome).increment(by: 0)
        }
        for code in [KafkaError.Code.messageTimedOut, .queueFull, .shutdown, .unconfirmed] {
            self.counter(deliveryErrors, "malomo_bridge_kafka_delivery_errors_total", [("reason", code.description)]).increment(by: 0)
        }
    }

    /// Exports the limits that alert rules compare with (`MAX_IN_FLIGHT`, `ACK_TIMEOUT_MS`).
    public func recordLimits(of configuration: BridgeConfiguration) {
        self.maxInFlight.record(configuration.webhook.maxInFlight)
        self.ackTimeout.record(Double(configuration.webhook.ackTimeout.wholeMilliseconds) / 1000)
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] { self.registry.emitToBuffer() }

    /// Counts one answered webhook. `topicLabel` comes from ``topicLabel(for:verified:)``.
    func received(topicLabel: String, outcome: WebhookOutcome) {
        self.receivedCounter(topicLabel: topicLabel, outcome: outcome).increment()
    }

    private func receivedCounter(topicLabel: String, outcome: WebhookOutcome) -> CoreMetrics.Counter {
        self.received.withLock { counters in
            if let counter = counters[topicLabel]?[outcome.rawValue] { return counter }
            let counter = CoreMetrics.Counter(
                label: "malomo_bridge_webhooks_received_total",
                dimensions: [("topic", topicLabel), ("outcome", outcome.rawValue)],
                factory: self.factory
            )
            counters[topicLabel, default: [:]][outcome.rawValue] = counter
            return counter
        }
    }

    /// The `topic` label: a documented Malomo topic, `other` (well-formed, undocumented),
    /// `invalid` (missing or malformed), or `unverified` before the signature was checked.
    /// `topic` is the one the router parsed (the header is not parsed a second time).
    static func topicLabel(for topic: MalomoTopic?, verified: Bool) -> String {
        guard verified else { return "unverified" }
        guard let topic else { return "invalid" }
        return topic.isKnown ? topic.rawValue : "other"
    }

    func deliveryFailed(_ error: KafkaError) {
        self.counter(deliveryErrors, "malomo_bridge_kafka_delivery_errors_total", [("reason", error.label)]).increment()
    }

    /// Counts a dead letter. `topicLabel` comes from ``deadLetterTopicLabel(for:)``.
    func deadLettered(reason: DeadLetterReason, topicLabel: String, count: Int64 = 1) {
        self.counter(deadLetters, "malomo_bridge_dead_letters_total", [("reason", reason.rawValue), ("topic", topicLabel)])
            .increment(by: count)
    }

    /// Undocumented topics get a label of their own, so operators see a new Malomo topic
    /// arrive; past this many, `other` (a holder of one secret must not grow the series
    /// without bound). It is counted only after the body's signature verified, but the topic
    /// header itself is not signed, hence the bound.
    static let maximumDeadLetterTopicLabels = 32
    private let deadLetterTopicLabels: Mutex<Set<String>> = Mutex([])

    /// The `topic` label of a dead letter: the Malomo topic when well-formed (up to
    /// ``maximumDeadLetterTopicLabels`` undocumented ones, then `other`), else `invalid`.
    func deadLetterTopicLabel(for topic: MalomoTopic?) -> String {
        guard let topic else { return "invalid" }
        if topic.isKnown { return topic.rawValue }
        return self.deadLetterTopicLabels.withLock { labels in
            if labels.contains(topic.rawValue) { return topic.rawValue }
            guard labels.count < Self.maximumDeadLetterTopicLabels else { return "other" }
            labels.insert(topic.rawValue)
            return topic.rawValue
        }
    }

    /// Records the attempt number Malomo sent (values above 10 land in +Inf; unparsable ones are not recorded).
    func attempt(_ header: String?) {
        if let header, let number = Int(header), number > 0 { self.attemptNumber.record(number) }
    }

    /// Applies librdkafka's statistics.
    public func apply(_ statistics: KafkaStatistics) {
        self.kafkaQueueMessages.record(statistics.queuedMessages)
        self.kafkaQueueBytes.record(statistics.queuedBytes)
        let (messages, bytes) = self.sentTotals.withLock { totals in
            defer { totals = (statistics.messagesSent, statistics.bytesSent) }
            return (max(0, statistics.messagesSent - totals.messages), max(0, statistics.bytesSent - totals.bytes))
        }
        self.kafkaMessagesSent.increment(by: Int64(messages))
        self.kafkaBytesSent.increment(by: Int64(bytes))
        for broker in statistics.brokers {
            let gauge = self.brokerRoundTrip.withLock { gauges in
                if let gauge = gauges[broker.nodeID] { return gauge }
                let gauge = CoreMetrics.Gauge(
                    label: "malomo_bridge_kafka_broker_rtt_seconds",
                    dimensions: [("broker", String(broker.nodeID))],
                    factory: self.factory
                )
                gauges[broker.nodeID] = gauge
                return gauge
            }
            gauge.record(broker.averageRoundTripSeconds)
        }
    }

    private func counter(_ cache: borrowing Mutex<[String: CoreMetrics.Counter]>, _ label: String, _ dimensions: [(String, String)])
        -> CoreMetrics.Counter
    {
        let key = dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return cache.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: self.factory)
            counters[key] = counter
            return counter
        }
    }
}
