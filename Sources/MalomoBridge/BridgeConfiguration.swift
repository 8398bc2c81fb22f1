import Configuration
import KafkaWire
import Logging
import MalomoWebhookCore

/// Everything the bridge is configured with. Read it with ``init(reader:dev:)``; every
/// value is validated there, and a bad one throws a ``BridgeConfigurationError`` naming
/// its environment variable.
public struct BridgeConfiguration: Sendable {
    /// One documented setting: its environment variable, default and meaning. The README's
    /// configuration table lists the same.
    public struct Setting: Sendable {
        /// The swift-configuration key (`http.port` ↔ `HTTP_PORT` ↔ `--http-port`).
        public let key: String
        /// The environment variable.
        public let environmentVariable: String
        /// The default, as text; `nil` when there is none.
        public let defaultValue: String?
        /// Whether the value is a secret (never logged).
        public let isSecret: Bool
    }

    /// Every setting the bridge reads.
    public static let settings: [Setting] = [
        .init(key: "http.host", environmentVariable: "HTTP_HOST", defaultValue: "0.0.0.0", isSecret: false),
        .init(key: "http.port", environmentVariable: "HTTP_PORT", defaultValue: "8080", isSecret: false),
        .init(key: "kafka.brokers", environmentVariable: "KAFKA_BROKERS", defaultValue: nil, isSecret: false),
        .init(key: "kafka.topicPrefix", environmentVariable: "KAFKA_TOPIC_PREFIX", defaultValue: "malomo.", isSecret: false),
        .init(
            key: "kafka.deadLetterTopic", environmentVariable: "KAFKA_DEAD_LETTER_TOPIC",
            defaultValue: "malomo.dead-letter", isSecret: false),
        .init(key: "kafka.lingerMs", environmentVariable: "KAFKA_LINGER_MS", defaultValue: "1", isSecret: false),
        .init(key: "malomo.webhookSecret", environmentVariable: "MALOMO_WEBHOOK_SECRET", defaultValue: nil, isSecret: true),
        .init(
            key: "malomo.webhookSecretsDir", environmentVariable: "MALOMO_WEBHOOK_SECRETS_DIR", defaultValue: nil,
            isSecret: false),
        .init(key: "malomo.allowUnsigned", environmentVariable: "MALOMO_ALLOW_UNSIGNED", defaultValue: "false", isSecret: false),
        .init(key: "malomo.allowedTopics", environmentVariable: "MALOMO_ALLOWED_TOPICS", defaultValue: nil, isSecret: false),
        .init(key: "ackTimeoutMs", environmentVariable: "ACK_TIMEOUT_MS", defaultValue: "5000", isSecret: false),
        .init(key: "maxBodyBytes", environmentVariable: "MAX_BODY_BYTES", defaultValue: "1048576", isSecret: false),
        .init(key: "log.level", environmentVariable: "LOG_LEVEL", defaultValue: "info", isSecret: false),
    ]

    /// Malomo gives each delivery attempt 10 s; the ack timeout must leave room to answer.
    public static let malomoAttemptTimeoutMilliseconds = 10_000

    /// Address the webhook listener binds to.
    public var httpHost: String = "0.0.0.0"
    /// Port of the webhook listener (0 picks a free port).
    public var httpPort: Int = 8080
    /// Kafka bootstrap servers.
    public var kafkaBrokers: [String] = []
    /// Routing: topic prefix, dead-letter topic, allow-list.
    public var router = WebhookRouter()
    /// `linger.ms` for the producer.
    public var kafkaLingerMilliseconds: Int = 1
    /// Secrets accepted for every webhook id (several = rotation).
    public var defaultSecrets: [WebhookSecret] = []
    /// Directory with one file per webhook id, holding that webhook's secrets one per line.
    public var secretsDirectory: String? = nil
    /// Accept unsigned requests when no secret applies.
    public var allowUnsigned: Bool = false
    /// How long a request waits for the broker's acknowledgement before answering 503.
    public var ackTimeoutMilliseconds: Int = 5000
    /// Largest accepted body; larger ones get 413.
    public var maxBodyBytes: Int = 1 << 20
    /// Log level.
    public var logLevel: Logger.Level = .info

    /// A configuration with defaults and these brokers.
    public init(kafkaBrokers: [String]) {
        self.kafkaBrokers = kafkaBrokers
    }

    /// `message.timeout.ms` for the producer, derived from the ack timeout: librdkafka
    /// checks message timeouts about once a second, so leave that much (or half the ack
    /// timeout, when it is short) for the failure report to arrive before the deadline.
    public var messageTimeoutMilliseconds: Int {
        self.ackTimeoutMilliseconds - min(1000, self.ackTimeoutMilliseconds / 2)
    }

    /// The producer settings this configuration implies.
    public var producerConfiguration: KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(bootstrapServers: self.kafkaBrokers)
        producer.messageTimeout = .milliseconds(self.messageTimeoutMilliseconds)
        producer.lingerMilliseconds = self.kafkaLingerMilliseconds
        return producer
    }
}

extension BridgeConfiguration {
    /// Reads and validates the configuration.
    ///
    /// - Parameters:
    ///   - reader: Environment variables and command-line flags (see ``settings``).
    ///   - dev: Dev mode: brokers come from the in-process mock cluster, so `KAFKA_BROKERS`
    ///     is not required, and the HTTP host defaults to `127.0.0.1`.
    /// - Throws: ``BridgeConfigurationError`` naming the first bad setting.
    public init(reader: ConfigReader, dev: Bool = false) throws(BridgeConfigurationError) {
        self.init(kafkaBrokers: [])
        let values = SettingValues(reader: reader)

        self.httpHost = try values.text("HTTP_HOST") ?? (dev ? "127.0.0.1" : "0.0.0.0")
        if self.httpHost.isEmpty { throw .init(setting: "HTTP_HOST", message: "must not be empty") }
        self.httpPort = try values.integer("HTTP_PORT", in: 0...65535) ?? 8080

        if let brokers = try values.text("KAFKA_BROKERS") {
            self.kafkaBrokers = brokers.split(separator: ",").map { String($0.trimmingCharacters()) }.filter { !$0.isEmpty }
            if self.kafkaBrokers.isEmpty {
                throw .init(setting: "KAFKA_BROKERS", message: "must list at least one host:port")
            }
            for broker in self.kafkaBrokers where !broker.contains(":") {
                throw .init(setting: "KAFKA_BROKERS", message: "'\(broker)' is not host:port")
            }
        } else if !dev {
            throw .init(setting: "KAFKA_BROKERS", message: "is required (comma-separated host:port list), or run with --dev")
        }

        let prefix = try values.text("KAFKA_TOPIC_PREFIX") ?? "malomo."
        guard prefix.utf8.allSatisfy(Self.isKafkaTopicCharacter), prefix.utf8.count <= 40 else {
            throw .init(setting: "KAFKA_TOPIC_PREFIX", message: "may hold only letters, digits, '.', '_' and '-' (at most 40)")
        }
        let deadLetter = try values.text("KAFKA_DEAD_LETTER_TOPIC") ?? "malomo.dead-letter"
        guard !deadLetter.isEmpty, deadLetter.utf8.count <= 249, deadLetter.utf8.allSatisfy(Self.isKafkaTopicCharacter),
            deadLetter != ".", deadLetter != ".."
        else {
            throw .init(
                setting: "KAFKA_DEAD_LETTER_TOPIC",
                message: "must be a Kafka topic name: 1 to 249 letters, digits, '.', '_' or '-'")
        }
        var allowed: Set<MalomoTopic>? = nil
        if let list = try values.text("MALOMO_ALLOWED_TOPICS") {
            var topics = Set<MalomoTopic>()
            for item in list.split(separator: ",") {
                let name = String(item.trimmingCharacters())
                guard let topic = MalomoTopic(name) else {
                    throw .init(setting: "MALOMO_ALLOWED_TOPICS", message: "'\(name)' is not a Malomo topic like orders:created")
                }
                topics.insert(topic)
            }
            if topics.isEmpty { throw .init(setting: "MALOMO_ALLOWED_TOPICS", message: "is set but lists no topic") }
            allowed = topics
        }
        self.router = WebhookRouter(topicPrefix: prefix, deadLetterTopic: deadLetter, allowedTopics: allowed)
        self.kafkaLingerMilliseconds = try values.integer("KAFKA_LINGER_MS", in: 0...1000) ?? 1

        if let secretList = try values.text("MALOMO_WEBHOOK_SECRET", isSecret: true) {
            self.defaultSecrets = secretList.split(separator: ",").compactMap { WebhookSecret($0) }
            if self.defaultSecrets.isEmpty {
                throw .init(setting: "MALOMO_WEBHOOK_SECRET", message: "is set but holds no secret")
            }
        }
        self.secretsDirectory = try values.text("MALOMO_WEBHOOK_SECRETS_DIR")
        self.allowUnsigned = try values.boolean("MALOMO_ALLOW_UNSIGNED") ?? false

        self.ackTimeoutMilliseconds =
            try values.integer("ACK_TIMEOUT_MS", in: 100...(Self.malomoAttemptTimeoutMilliseconds - 1)) ?? 5000
        self.maxBodyBytes = try values.integer("MAX_BODY_BYTES", in: 1...(64 << 20)) ?? (1 << 20)
        if let level = try values.text("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw .init(
                    setting: "LOG_LEVEL",
                    message: "'\(level)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            self.logLevel = parsed
        }
    }

    /// Checks the rules that involve more than one setting, once secrets are loaded.
    /// - Parameter secretsLoaded: How many secrets exist in total (defaults and per webhook).
    public func validateSecrets(secretsLoaded: Int) throws(BridgeConfigurationError) {
        if secretsLoaded == 0 && !self.allowUnsigned {
            throw .init(
                setting: "MALOMO_WEBHOOK_SECRET",
                message:
                    "no webhook secret is configured (set MALOMO_WEBHOOK_SECRET or MALOMO_WEBHOOK_SECRETS_DIR); "
                    + "set MALOMO_ALLOW_UNSIGNED=true to accept unsigned webhooks on purpose")
        }
    }

    /// The configuration as text for the startup log, secrets redacted.
    public var redactedSummary: [String: String] {
        [
            "HTTP_HOST": self.httpHost,
            "HTTP_PORT": String(self.httpPort),
            "KAFKA_BROKERS": self.kafkaBrokers.joined(separator: ","),
            "KAFKA_TOPIC_PREFIX": self.router.topicPrefix,
            "KAFKA_DEAD_LETTER_TOPIC": self.router.deadLetterTopic,
            "KAFKA_LINGER_MS": String(self.kafkaLingerMilliseconds),
            "MALOMO_WEBHOOK_SECRET": self.defaultSecrets.isEmpty ? "(unset)" : "[redacted: \(self.defaultSecrets.count)]",
            "MALOMO_WEBHOOK_SECRETS_DIR": self.secretsDirectory ?? "(unset)",
            "MALOMO_ALLOW_UNSIGNED": String(self.allowUnsigned),
            "MALOMO_ALLOWED_TOPICS": self.router.allowedTopics.map { $0.map(\.rawValue).sorted().joined(separator: ",") }
                ?? "(all)",
            "ACK_TIMEOUT_MS": String(self.ackTimeoutMilliseconds),
            "MAX_BODY_BYTES": String(self.maxBodyBytes),
            "LOG_LEVEL": self.logLevel.rawValue,
        ]
    }

    static func isKafkaTopicCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters() -> Substring {
        let text = Substring(self)
        guard let start = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        return text[start...text.lastIndex(where: { !$0.isWhitespace })!]
    }
}
