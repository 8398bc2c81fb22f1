import Configuration
import KafkaWire
import Logging
import MalomoContract
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
        .init(key: "management.host", environmentVariable: "MANAGEMENT_HOST", defaultValue: nil, isSecret: false),
        .init(key: "management.port", environmentVariable: "MANAGEMENT_PORT", defaultValue: "9090", isSecret: false),
        .init(key: "kafka.brokers", environmentVariable: "KAFKA_BROKERS", defaultValue: nil, isSecret: false),
        .init(
            key: "kafka.topicPrefix",
            environmentVariable: "KAFKA_TOPIC_PREFIX",
            defaultValue: MalomoContractDefaults.topicPrefix,
            isSecret: false
        ),
        .init(
            key: "kafka.deadLetterTopic",
            environmentVariable: "KAFKA_DEAD_LETTER_TOPIC",
            defaultValue: MalomoContractDefaults.deadLetterTopic,
            isSecret: false
        ),
        .init(key: "kafka.cloudevents", environmentVariable: "KAFKA_CLOUDEVENTS", defaultValue: "true", isSecret: false),
        .init(key: "kafka.lingerMs", environmentVariable: "KAFKA_LINGER_MS", defaultValue: "1", isSecret: false),
        .init(key: "kafka.clientId", environmentVariable: "KAFKA_CLIENT_ID", defaultValue: "malomo-bridge", isSecret: false),
        .init(key: "kafka.compression", environmentVariable: "KAFKA_COMPRESSION", defaultValue: "none", isSecret: false),
        .init(
            key: "kafka.queueMaxMessages",
            environmentVariable: "KAFKA_QUEUE_MAX_MESSAGES",
            defaultValue: "100000",
            isSecret: false
        ),
        .init(key: "kafka.queueMaxKbytes", environmentVariable: "KAFKA_QUEUE_MAX_KBYTES", defaultValue: "131072", isSecret: false),
        .init(
            key: "kafka.statisticsIntervalMs",
            environmentVariable: "KAFKA_STATISTICS_INTERVAL_MS",
            defaultValue: "15000",
            isSecret: false
        ),
        .init(
            key: "kafka.securityProtocol",
            environmentVariable: "KAFKA_SECURITY_PROTOCOL",
            defaultValue: "plaintext",
            isSecret: false
        ),
        .init(key: "kafka.sslCaLocation", environmentVariable: "KAFKA_SSL_CA_LOCATION", defaultValue: nil, isSecret: false),
        .init(
            key: "kafka.sslCertificateLocation",
            environmentVariable: "KAFKA_SSL_CERTIFICATE_LOCATION",
            defaultValue: nil,
            isSecret: false
        ),
        .init(key: "kafka.sslKeyLocation", environmentVariable: "KAFKA_SSL_KEY_LOCATION", defaultValue: nil, isSecret: false),
        .init(key: "kafka.sslKeyPassword", environmentVariable: "KAFKA_SSL_KEY_PASSWORD", defaultValue: nil, isSecret: true),
        .init(
            key: "kafka.sslKeyPasswordFile",
            environmentVariable: "KAFKA_SSL_KEY_PASSWORD_FILE",
            defaultValue: nil,
            isSecret: false
        ),
        .init(key: "kafka.saslMechanism", environmentVariable: "KAFKA_SASL_MECHANISM", defaultValue: nil, isSecret: false),
        .init(key: "kafka.saslUsername", environmentVariable: "KAFKA_SASL_USERNAME", defaultValue: nil, isSecret: false),
        .init(key: "kafka.saslPassword", environmentVariable: "KAFKA_SASL_PASSWORD", defaultValue: nil, isSecret: true),
        .init(key: "kafka.saslPasswordFile", environmentVariable: "KAFKA_SASL_PASSWORD_FILE", defaultValue: nil, isSecret: false),
        .init(key: "kafka.propertiesFile", environmentVariable: "KAFKA_PROPERTIES_FILE", defaultValue: nil, isSecret: false),
        .init(key: "malomo.webhookSecret", environmentVariable: "MALOMO_WEBHOOK_SECRET", defaultValue: nil, isSecret: true),
        .init(
            key: "malomo.webhookSecretFile",
            environmentVariable: "MALOMO_WEBHOOK_SECRET_FILE",
            defaultValue: nil,
            isSecret: false
        ),
        .init(
            key: "malomo.webhookSecretsDir",
            environmentVariable: "MALOMO_WEBHOOK_SECRETS_DIR",
            defaultValue: nil,
            isSecret: false
        ),
        .init(
            key: "malomo.secretsReloadIntervalMs",
            environmentVariable: "MALOMO_SECRETS_RELOAD_INTERVAL_MS",
            defaultValue: "5000",
            isSecret: false
        ),
        .init(key: "malomo.allowUnsigned", environmentVariable: "MALOMO_ALLOW_UNSIGNED", defaultValue: "false", isSecret: false),
        .init(
            key: "malomo.allowedTopics",
            environmentVariable: "MALOMO_ALLOWED_TOPICS",
            defaultValue: MalomoTopic.known.map(\.rawValue).joined(separator: ","),
            isSecret: false
        ),
        .init(key: "ackTimeoutMs", environmentVariable: "ACK_TIMEOUT_MS", defaultValue: "5000", isSecret: false),
        .init(key: "maxBodyBytes", environmentVariable: "MAX_BODY_BYTES", defaultValue: "524288", isSecret: false),
        .init(key: "maxInFlight", environmentVariable: "MAX_IN_FLIGHT", defaultValue: "256", isSecret: false),
        .init(key: "http.maxConnections", environmentVariable: "HTTP_MAX_CONNECTIONS", defaultValue: "1024", isSecret: false),
        .init(key: "http.idleTimeoutMs", environmentVariable: "HTTP_IDLE_TIMEOUT_MS", defaultValue: "60000", isSecret: false),
        .init(key: "http.readTimeoutMs", environmentVariable: "HTTP_READ_TIMEOUT_MS", defaultValue: "10000", isSecret: false),
        .init(key: "http.maxHeaderBytes", environmentVariable: "HTTP_MAX_HEADER_BYTES", defaultValue: "16384", isSecret: false),
        .init(key: "log.level", environmentVariable: "LOG_LEVEL", defaultValue: "info", isSecret: false),
        .init(key: "log.format", environmentVariable: "LOG_FORMAT", defaultValue: "json", isSecret: false),
    ]

    /// Malomo gives each delivery attempt 10 s; the ack timeout must leave room to answer.
    public static let malomoAttemptTimeoutMilliseconds = 10_000

    /// Address the webhook listener binds to.
    public var httpHost: String = "0.0.0.0"
    /// Port of the webhook listener (0 picks a free port).
    public var httpPort: Int = 8080
    /// Address of the management listener (metrics, health). Default: `httpHost`.
    public var managementHost: String = "0.0.0.0"
    /// Port of the management listener (0 picks a free port).
    public var managementPort: Int = 9090
    /// Kafka bootstrap servers.
    public var kafkaBrokers: [String] = []
    /// Routing: topic prefix, dead-letter topic, allow-list.
    public var router = WebhookRouter()
    /// `linger.ms` for the producer.
    public var kafkaLingerMilliseconds: Int = 1
    /// `client.id`.
    public var kafkaClientID: String = "malomo-bridge"
    /// `compression.codec`.
    public var kafkaCompression: String = "none"
    /// `queue.buffering.max.messages`.
    public var kafkaQueueMaxMessages: Int = 100_000
    /// `queue.buffering.max.kbytes`.
    public var kafkaQueueMaxKilobytes: Int = 131_072
    /// `statistics.interval.ms` (0 = off).
    public var kafkaStatisticsIntervalMilliseconds: Int = 15_000
    /// TLS, SASL and pass-through librdkafka properties (values may be secrets: never log them).
    public var kafkaProperties: [String: String] = [:]
    /// Secrets accepted for every webhook id (several = rotation).
    public var defaultSecrets: [WebhookSecret] = []
    /// Directory with one file per webhook id, holding that webhook's secrets one per line.
    public var secretsDirectory: String? = nil
    /// How often the secrets directory is checked for changes.
    public var secretsReloadIntervalMilliseconds: Int = 5000
    /// Accept unsigned requests when no secret applies.
    public var allowUnsigned: Bool = false
    /// How long a request waits for the broker's acknowledgement before answering 503.
    public var ackTimeoutMilliseconds: Int = 5000
    /// Largest accepted body; larger ones get 413.
    public var maxBodyBytes: Int = 1 << 19
    /// Requests handled at once; more get 503 at once.
    public var maxInFlight: Int = 256
    /// Open connections accepted at once; more wait in the listen backlog.
    public var httpMaxConnections: Int = 1024
    /// An idle connection is closed after this long.
    public var httpIdleTimeoutMilliseconds: Int = 60_000
    /// The whole body must arrive within this long (else 408).
    public var httpReadTimeoutMilliseconds: Int = 10_000
    /// Largest request head (request line and headers).
    public var httpMaxHeaderBytes: Int = 16_384
    /// Log level.
    public var logLevel: Logger.Level = .info
    /// `json` or `text`.
    public var logFormat: LogFormat = .json

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

    /// The largest Kafka record a webhook of `MAX_BODY_BYTES` normally becomes: the body, the
    /// header values taken from the request (at most the request head, twice: the webhook id
    /// is also `ce_source`), the fixed headers and the framing. (A body whose `"id"` is itself
    /// huge adds it again as the key; such a record can still be too large, and is answered 413.)
    public var largestRecordBytes: Int { self.maxBodyBytes + 2 * self.httpMaxHeaderBytes + 8192 }

    /// The producer settings this configuration implies.
    public var producerConfiguration: KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(bootstrapServers: self.kafkaBrokers)
        producer.messageTimeout = .milliseconds(self.messageTimeoutMilliseconds)
        producer.lingerMilliseconds = self.kafkaLingerMilliseconds
        producer.clientID = self.kafkaClientID
        producer.maximumQueuedMessages = self.kafkaQueueMaxMessages
        producer.statisticsInterval =
            self.kafkaStatisticsIntervalMilliseconds > 0 ? .milliseconds(self.kafkaStatisticsIntervalMilliseconds) : nil
        var properties = [
            "compression.codec": self.kafkaCompression, "queue.buffering.max.kbytes": String(self.kafkaQueueMaxKilobytes),
            // librdkafka refuses larger messages at produce (its default is 1,000,000 bytes).
            "message.max.bytes": String(max(1_000_000, self.largestRecordBytes)),
        ]
        properties.merge(self.kafkaProperties) { _, explicit in explicit }
        producer.additionalProperties = properties
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
    ///   - environment: The process environment, for the `KAFKA_PROPERTY_<name>` pass-through.
    public init(reader: ConfigReader, dev: Bool = false, environment: [String: String] = [:]) throws(BridgeConfigurationError) {
        self.init(kafkaBrokers: [])
        let values = SettingValues(reader: reader)

        self.httpHost = try values.text("HTTP_HOST") ?? (dev ? "127.0.0.1" : "0.0.0.0")
        if self.httpHost.isEmpty { throw .init(setting: "HTTP_HOST", message: "must not be empty") }
        self.httpPort = try values.integer("HTTP_PORT", in: 0...65535) ?? 8080
        self.managementHost = try values.text("MANAGEMENT_HOST") ?? self.httpHost
        self.managementPort = try values.integer("MANAGEMENT_PORT", in: 0...65535) ?? 9090
        if self.managementPort != 0 && self.managementPort == self.httpPort {
            throw .init(setting: "MANAGEMENT_PORT", message: "must differ from HTTP_PORT (\(self.httpPort)): metrics never share the ingress port")
        }

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

        let prefix = try values.text("KAFKA_TOPIC_PREFIX") ?? MalomoContractDefaults.topicPrefix
        guard prefix.utf8.allSatisfy(Self.isKafkaTopicCharacter), prefix.utf8.count <= 40 else {
            throw .init(setting: "KAFKA_TOPIC_PREFIX", message: "may hold only letters, digits, '.', '_' and '-' (at most 40)")
        }
        let deadLetter = try values.text("KAFKA_DEAD_LETTER_TOPIC") ?? MalomoContractDefaults.deadLetterTopic
        guard !deadLetter.isEmpty, deadLetter.utf8.count <= 249, deadLetter.utf8.allSatisfy(Self.isKafkaTopicCharacter),
            deadLetter != ".", deadLetter != ".."
        else {
            throw .init(
                setting: "KAFKA_DEAD_LETTER_TOPIC",
                message: "must be a Kafka topic name: 1 to 249 letters, digits, '.', '_' or '-'"
            )
        }
        // Default: the seven documented topics. `*` routes every well-formed topic, creating a
        // Kafka topic for each new one Malomo (or a holder of a webhook secret) sends.
        var allowed: Set<MalomoTopic>? = Set(MalomoTopic.known)
        if let list = try values.text("MALOMO_ALLOWED_TOPICS") {
            if list == "*" {
                allowed = nil
            } else {
                var topics = Set<MalomoTopic>()
                for item in list.split(separator: ",") {
                    let name = String(item.trimmingCharacters())
                    guard let topic = MalomoTopic(name) else {
                        throw .init(
                            setting: "MALOMO_ALLOWED_TOPICS",
                            message: "'\(name)' is not a Malomo topic like orders:created (or use * for every topic)"
                        )
                    }
                    topics.insert(topic)
                }
                if topics.isEmpty { throw .init(setting: "MALOMO_ALLOWED_TOPICS", message: "is set but lists no topic") }
                allowed = topics
            }
        }
        let cloudEvents = try values.boolean("KAFKA_CLOUDEVENTS") ?? true
        self.router = WebhookRouter(topicPrefix: prefix, deadLetterTopic: deadLetter, allowedTopics: allowed, cloudEvents: cloudEvents)
        self.kafkaLingerMilliseconds = try values.integer("KAFKA_LINGER_MS", in: 0...1000) ?? 1
        self.kafkaClientID = try values.text("KAFKA_CLIENT_ID") ?? "malomo-bridge"
        self.kafkaCompression = try values.choice("KAFKA_COMPRESSION", ["none", "gzip", "snappy", "lz4", "zstd"]) ?? "none"
        self.kafkaQueueMaxMessages = try values.integer("KAFKA_QUEUE_MAX_MESSAGES", in: 1...10_000_000) ?? 100_000
        self.kafkaQueueMaxKilobytes = try values.integer("KAFKA_QUEUE_MAX_KBYTES", in: 1...2_097_151) ?? 131_072
        self.kafkaStatisticsIntervalMilliseconds = try values.integer("KAFKA_STATISTICS_INTERVAL_MS", in: 0...86_400_000) ?? 15_000
        self.kafkaProperties = try KafkaConnectionSettings.read(values, environment: environment)

        // One secret in MALOMO_WEBHOOK_SECRET; several (rotation) one per line in its _FILE.
        // Never split on commas: a secret holding a comma would become two shorter secrets that
        // both verify.
        let secretFromFile = try values.text("MALOMO_WEBHOOK_SECRET_FILE") != nil
        if let secretText = try values.secret("MALOMO_WEBHOOK_SECRET") {
            if secretFromFile {
                self.defaultSecrets = secretText.split(whereSeparator: \.isNewline)
                    .filter { !$0.trimmingCharacters().hasPrefix("#") }
                    .compactMap { WebhookSecret($0) }
                if self.defaultSecrets.isEmpty {
                    throw .init(setting: "MALOMO_WEBHOOK_SECRET_FILE", message: "holds no secret")
                }
            } else {
                guard !secretText.contains(",") else {
                    throw .init(
                        setting: "MALOMO_WEBHOOK_SECRET",
                        message: "holds a comma: it is one secret, never a list; put several secrets one per line "
                            + "in MALOMO_WEBHOOK_SECRET_FILE (or per webhook in MALOMO_WEBHOOK_SECRETS_DIR)"
                    )
                }
                guard let secret = WebhookSecret(secretText) else {
                    throw .init(setting: "MALOMO_WEBHOOK_SECRET", message: "is set but holds no secret")
                }
                self.defaultSecrets = [secret]
            }
        }
        self.secretsDirectory = try values.text("MALOMO_WEBHOOK_SECRETS_DIR")
        self.secretsReloadIntervalMilliseconds =
            try values.integer("MALOMO_SECRETS_RELOAD_INTERVAL_MS", in: 100...3_600_000) ?? 5000
        self.allowUnsigned = try values.boolean("MALOMO_ALLOW_UNSIGNED") ?? false

        self.ackTimeoutMilliseconds =
            try values.integer("ACK_TIMEOUT_MS", in: 100...(Self.malomoAttemptTimeoutMilliseconds - 1)) ?? 5000
        self.maxBodyBytes = try values.integer("MAX_BODY_BYTES", in: 1...(64 << 20)) ?? (1 << 19)
        self.maxInFlight = try values.integer("MAX_IN_FLIGHT", in: 1...100_000) ?? 256
        self.httpMaxConnections = try values.integer("HTTP_MAX_CONNECTIONS", in: 1...1_000_000) ?? 1024
        self.httpIdleTimeoutMilliseconds = try values.integer("HTTP_IDLE_TIMEOUT_MS", in: 100...3_600_000) ?? 60_000
        self.httpReadTimeoutMilliseconds = try values.integer("HTTP_READ_TIMEOUT_MS", in: 100...600_000) ?? 10_000
        self.httpMaxHeaderBytes = try values.integer("HTTP_MAX_HEADER_BYTES", in: 1024...1_048_576) ?? 16_384
        if let level = try values.text("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw .init(
                    setting: "LOG_LEVEL",
                    message: "'\(level)' is not one of trace, debug, info, notice, warning, error, critical"
                )
            }
            self.logLevel = parsed
        }
        if let format = try values.choice("LOG_FORMAT", ["json", "text"]) {
            self.logFormat = format == "json" ? .json : .text
        } else {
            self.logFormat = dev ? .text : .json
        }
    }

    /// Checks the rules that involve more than one setting, once secrets are loaded.
    /// - Parameter secretsLoaded: How many secrets exist in total (defaults and per webhook).
    public func validateSecrets(secretsLoaded: Int) throws(BridgeConfigurationError) {
        // Malomo-Webhook-Id is not signed: with unsigned mode beside any secret, a forger would
        // only need an id that has none (or a deleted secret file would open its webhook).
        if self.allowUnsigned && (!self.defaultSecrets.isEmpty || self.secretsDirectory != nil) {
            throw .init(
                setting: "MALOMO_ALLOW_UNSIGNED",
                message: "cannot be true while webhook secrets are configured (MALOMO_WEBHOOK_SECRET, its _FILE, or "
                    + "MALOMO_WEBHOOK_SECRETS_DIR): an unsigned request would pass for any webhook id without a secret"
            )
        }
        if secretsLoaded == 0 && !self.allowUnsigned {
            throw .init(
                setting: "MALOMO_WEBHOOK_SECRET",
                message:
                    "no webhook secret is configured (set MALOMO_WEBHOOK_SECRET or MALOMO_WEBHOOK_SECRETS_DIR); "
                    + "set MALOMO_ALLOW_UNSIGNED=true to accept unsigned webhooks on purpose"
            )
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
            "MALOMO_ALLOWED_TOPICS": self.router.allowedTopics.map(Self.allowListText) ?? "*",
            "KAFKA_CLOUDEVENTS": String(self.router.cloudEvents),
            "ACK_TIMEOUT_MS": String(self.ackTimeoutMilliseconds),
            "MAX_BODY_BYTES": String(self.maxBodyBytes),
            "LOG_LEVEL": self.logLevel.rawValue,
            "LOG_FORMAT": self.logFormat.rawValue,
            "MANAGEMENT_HOST": self.managementHost,
            "MANAGEMENT_PORT": String(self.managementPort),
            "KAFKA_CLIENT_ID": self.kafkaClientID,
            "KAFKA_COMPRESSION": self.kafkaCompression,
            "KAFKA_QUEUE_MAX_MESSAGES": String(self.kafkaQueueMaxMessages),
            "KAFKA_QUEUE_MAX_KBYTES": String(self.kafkaQueueMaxKilobytes),
            "KAFKA_STATISTICS_INTERVAL_MS": String(self.kafkaStatisticsIntervalMilliseconds),
            "KAFKA_SECURITY_PROTOCOL": self.kafkaProperties["security.protocol"] ?? "plaintext",
            "KAFKA_PROPERTIES": self.kafkaProperties.keys.sorted().map { key in
                "\(key)=\(KafkaProducerConfiguration.isSecretProperty(key) ? "[redacted]" : self.kafkaProperties[key]!)"
            }.joined(separator: ","),
            "MALOMO_SECRETS_RELOAD_INTERVAL_MS": String(self.secretsReloadIntervalMilliseconds),
            "MAX_IN_FLIGHT": String(self.maxInFlight),
            "HTTP_MAX_CONNECTIONS": String(self.httpMaxConnections),
            "HTTP_IDLE_TIMEOUT_MS": String(self.httpIdleTimeoutMilliseconds),
            "HTTP_READ_TIMEOUT_MS": String(self.httpReadTimeoutMilliseconds),
            "HTTP_MAX_HEADER_BYTES": String(self.httpMaxHeaderBytes),
        ]
    }

    /// The allow-list as configured text: documented topics in their usual order, then the rest.
    static func allowListText(_ topics: Set<MalomoTopic>) -> String {
        let known = MalomoTopic.known.filter(topics.contains)
        return (known + topics.subtracting(known).sorted()).map(\.rawValue).joined(separator: ",")
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
