import Configuration
import KafkaWire
import Logging
import MalomoContract
import MalomoWebhookCore

/// Everything the bridge is configured with, in groups: ``webhook``, ``http``,
/// ``management``, ``kafka`` and ``log``. Read it with ``init(reader:dev:environment:)``; every
/// value is validated there, against its ``BridgeSetting``, and a bad one throws a
/// ``BridgeConfigurationError`` naming its environment variable.
public struct BridgeConfiguration: Sendable {
    /// Every setting the bridge reads (``BridgeSetting/all``).
    public static var settings: [BridgeSetting] { BridgeSetting.all }

    /// Malomo gives each delivery attempt 10 s; the ack timeout must leave room to answer.
    public static let malomoAttemptTimeout: Duration = .seconds(10)

    /// Verifying, routing and acknowledging webhooks.
    public var webhook = Webhook()
    /// The webhook listener.
    public var http = HTTP()
    /// The management listener (metrics, health).
    public var management = Management()
    /// The Kafka producer.
    public var kafka: Kafka
    /// Logging.
    public var log = Log()
    /// Each setting's value as read or defaulted (secrets redacted), by environment variable:
    /// the startup summary. Empty for a configuration made in code.
    public private(set) var settingsInForce: [String: String] = [:]

    /// A configuration with defaults and these brokers.
    public init(kafkaBrokers: [String]) {
        self.kafka = Kafka(brokers: kafkaBrokers)
    }

    /// `message.timeout.ms` for the producer, derived from the ack timeout: librdkafka
    /// checks message timeouts about once a second, so leave that much (or half the ack
    /// timeout, when it is short) for the failure report to arrive before the deadline.
    public var messageTimeout: Duration {
        // In whole milliseconds, halved as integers: 101 ms gives 51, not 50.5 rounded down.
        let ack = self.webhook.ackTimeout.wholeMilliseconds
        return .milliseconds(ack - min(1000, ack / 2))
    }

    /// The largest Kafka record a webhook of `MAX_BODY_BYTES` normally becomes: the body, the
    /// header values taken from the request (at most the request head, twice: the webhook id
    /// is also `ce_source`), the fixed headers and the framing. (A body whose `"id"` is itself
    /// huge adds it again as the key; such a record can still be too large, and is answered 413.)
    public var largestRecordBytes: Int { self.webhook.maxBodyBytes + 2 * self.http.maxHeaderBytes + 8192 }

    /// The producer settings this configuration implies.
    public var producerConfiguration: KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(bootstrapServers: self.kafka.brokers)
        producer.messageTimeout = self.messageTimeout
        producer.lingerMilliseconds = self.kafka.linger.wholeMilliseconds
        producer.clientID = self.kafka.clientID
        producer.maximumQueuedMessages = self.kafka.queueMaxMessages
        producer.statisticsInterval = self.kafka.statisticsInterval
        var properties = [
            "compression.codec": self.kafka.compression, "queue.buffering.max.kbytes": String(self.kafka.queueMaxKilobytes),
            // librdkafka refuses larger messages at produce (its default is 1,000,000 bytes).
            "message.max.bytes": String(max(1_000_000, self.largestRecordBytes)),
        ]
        properties.merge(self.kafka.properties) { _, explicit in explicit }
        producer.additionalProperties = properties
        return producer
    }
}

extension BridgeConfiguration {
    /// Reads and validates the configuration, each group from its own settings.
    ///
    /// - Parameters:
    ///   - reader: Environment variables and command-line flags (see ``settings``).
    ///   - dev: Dev mode: brokers come from the in-process mock cluster, so `KAFKA_BROKERS`
    ///     is not required, the HTTP host defaults to `127.0.0.1` and logs to text.
    ///   - environment: The process environment, for the `KAFKA_PROPERTY_<name>` pass-through.
    /// - Throws: ``BridgeConfigurationError`` naming the first bad setting.
    public init(reader: ConfigReader, dev: Bool = false, environment: [String: String] = [:]) throws(BridgeConfigurationError) {
        var values = SettingValues(reader: reader)
        self.init(kafkaBrokers: [])
        self.http = try HTTP(reading: &values, dev: dev)
        self.management = try Management(reading: &values, http: self.http)
        self.kafka = try Kafka(reading: &values, dev: dev, environment: environment)
        self.webhook = try Webhook(reading: &values)
        self.log = try Log(reading: &values, dev: dev)
        self.settingsInForce = values.inForce
        // librdkafka refuses a message larger than its whole queue (QUEUE_FULL even when the
        // queue is empty): every such webhook would be answered 503 until Malomo gave up.
        if self.kafka.queueMaxKilobytes * 1024 < self.largestRecordBytes {
            throw .init(
                setting: BridgeSetting.kafkaQueueMaxKbytes.environmentVariable,
                message: "\(self.kafka.queueMaxKilobytes) KiB cannot hold one record of a \(self.webhook.maxBodyBytes)-byte body "
                    + "(up to \(self.largestRecordBytes) bytes with its headers): every such webhook would be answered 503; "
                    + "raise it to at least \((self.largestRecordBytes + 1023) / 1024) or lower MAX_BODY_BYTES"
            )
        }
    }

    /// Checks the rules that involve more than one setting, once secrets are loaded.
    /// - Parameter secretsLoaded: How many secrets exist in total (defaults and per webhook).
    public func validateSecrets(secretsLoaded: Int) throws(BridgeConfigurationError) {
        // Malomo-Webhook-Id is not signed: with unsigned mode beside any secret, a forger would
        // only need an id that has none (or a deleted secret file would open its webhook).
        if self.webhook.allowUnsigned && (!self.webhook.defaultSecrets.isEmpty || self.webhook.secretsDirectory != nil) {
            throw .init(
                setting: BridgeSetting.malomoAllowUnsigned.environmentVariable,
                message: "cannot be true while webhook secrets are configured (MALOMO_WEBHOOK_SECRET, its _FILE, or "
                    + "MALOMO_WEBHOOK_SECRETS_DIR): an unsigned request would pass for any webhook id without a secret"
            )
        }
        if secretsLoaded == 0 && !self.webhook.allowUnsigned {
            throw .init(
                setting: BridgeSetting.malomoWebhookSecret.environmentVariable,
                message:
                    "no webhook secret is configured (set MALOMO_WEBHOOK_SECRET or MALOMO_WEBHOOK_SECRETS_DIR); "
                    + "set MALOMO_ALLOW_UNSIGNED=true to accept unsigned webhooks on purpose"
            )
        }
    }

    /// The configuration as text for the startup log, secrets redacted: every setting's value
    /// as read or defaulted (``settingsInForce``), the librdkafka properties passed through, and
    /// what dev mode (or other code) set after reading: the brokers and the secrets in use.
    public var redactedSummary: [String: String] {
        var summary = self.settingsInForce
        summary[BridgeSetting.kafkaBrokers.environmentVariable] = self.kafka.brokers.joined(separator: ",")
        summary[BridgeSetting.malomoWebhookSecret.environmentVariable] =
            self.webhook.defaultSecrets.isEmpty ? "(unset)" : "[redacted: \(self.webhook.defaultSecrets.count)]"
        summary[BridgeSetting.malomoWebhookSecretsDir.environmentVariable] = self.webhook.secretsDirectory ?? "(unset)"
        summary["KAFKA_PROPERTIES"] = self.kafka.properties.keys.sorted().map { key in
            "\(key)=\(KafkaProducerConfiguration.isSecretProperty(key) ? "[redacted]" : self.kafka.properties[key]!)"
        }.joined(separator: ",")
        return summary
    }
}

extension Duration {
    /// Whole milliseconds, rounded down (a configured duration is whole milliseconds anyway).
    var wholeMilliseconds: Int {
        Int(self.components.seconds) * 1000 + Int(self.components.attoseconds / 1_000_000_000_000_000)
    }
}

extension StringProtocol {
    func trimmingWhiteSpace() -> Substring {
        let text = Substring(self)
        guard let start = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        return text[start...text.lastIndex(where: { !$0.isWhitespace })!]
    }
}
