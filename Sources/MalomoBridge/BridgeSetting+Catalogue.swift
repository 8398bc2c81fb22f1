import MalomoContract

/// Every setting the bridge reads, declared once. The order is the README table's and `--help`'s.
extension BridgeSetting {
    /// `KAFKA_BROKERS`.
    public static let kafkaBrokers = BridgeSetting(
        "kafka.brokers",
        .list,
        shownDefault: "(required; refused with `--dev`, which runs its own mock cluster)",
        help: "comma-separated `host:port` bootstrap servers"
    )
    /// `MALOMO_WEBHOOK_SECRET`.
    public static let malomoWebhookSecret = BridgeSetting(
        "malomo.webhookSecret",
        .secret,
        help:
            "one secret accepted for every webhook id. Never split on commas (a value holding one is refused: use the file for several). Never logged"
    )
    /// `MALOMO_WEBHOOK_SECRET_FILE`.
    public static let malomoWebhookSecretFile = BridgeSetting(
        "malomo.webhookSecretFile",
        .text,
        help: "file holding the default secrets, one per line (`#` comments; several = rotation)"
    )
    /// `MALOMO_WEBHOOK_SECRETS_DIR`.
    public static let malomoWebhookSecretsDir = BridgeSetting(
        "malomo.webhookSecretsDir",
        .text,
        help:
            "directory with one file per webhook id (file name = `Malomo-Webhook-Id`) holding its secrets, one per line (`#` comments, hidden files ignored); reloaded when it changes"
    )
    /// `MALOMO_SECRETS_RELOAD_INTERVAL_MS`.
    public static let malomoSecretsReloadInterval = BridgeSetting(
        "malomo.secretsReloadIntervalMs",
        .milliseconds(100...3_600_000),
        default: "5000",
        help: "how often the secrets directory is checked for changes"
    )
    /// `MALOMO_ALLOW_UNSIGNED`.
    public static let malomoAllowUnsigned = BridgeSetting(
        "malomo.allowUnsigned",
        .boolean,
        default: "false",
        help:
            "with no secret configured the bridge refuses to start; `true` accepts unsigned webhooks, and is refused (exit 2) while any secret setting is configured"
    )
    /// `MALOMO_ALLOWED_TOPICS`.
    public static let malomoAllowedTopics = BridgeSetting(
        "malomo.allowedTopics",
        .list,
        default: MalomoTopic.known.map(\.rawValue).joined(separator: ","),
        shownDefault: "`customers:created,customers:updated,customers:deleted,events:created,orders:created,orders:updated,orders:deleted`",
        help:
            "Malomo topics routed to their own Kafka topic (the seven documented ones); any other well-formed topic is dead-lettered with `topic_not_allowed` and creates no Kafka topic. `*` routes every well-formed topic (each new one creates a topic)"
    )
    /// `HTTP_HOST`.
    public static let httpHost = BridgeSetting(
        "http.host",
        .text,
        default: "0.0.0.0",
        shownDefault: "`0.0.0.0` (dev mode: `127.0.0.1`)",
        help: "address of the webhook listener"
    )
    /// `HTTP_PORT`.
    public static let httpPort = BridgeSetting("http.port", .integer(0...65535), default: "8080", help: "port of the webhook listener")
    /// `MANAGEMENT_HOST`.
    public static let managementHost = BridgeSetting(
        "management.host",
        .text,
        shownDefault: "same as `HTTP_HOST`",
        help: "address of the management listener (`/metrics`, `/healthz`, `/readyz`, `/webhooks`)"
    )
    /// `MANAGEMENT_PORT`.
    public static let managementPort = BridgeSetting(
        "management.port",
        .integer(0...65535),
        default: "9090",
        help: "port of the management listener; must differ from `HTTP_PORT`"
    )
    /// `ACK_TIMEOUT_MS`.
    public static let ackTimeout = BridgeSetting(
        "ackTimeoutMs",
        .milliseconds(100...9999),
        default: "5000",
        help:
            "how long a request waits for the broker (100–9999; Malomo gives an attempt 10 s). `message.timeout.ms` and the shutdown flush are derived from it"
    )
    /// `MAX_BODY_BYTES`.
    public static let maxBodyBytes = BridgeSetting(
        "maxBodyBytes",
        .integer(1...(64 << 20)),
        default: "524288",
        help:
            "largest accepted body (1 B – 64 MiB). librdkafka's `message.max.bytes` is raised to fit the record it makes (body + 2 × `HTTP_MAX_HEADER_BYTES` + 8 KiB); a lower `KAFKA_PROPERTY_MESSAGE_MAX_BYTES` stops startup. The brokers' `message.max.bytes` (topic `max.message.bytes`, 1 MiB by default) must allow it too"
    )
    /// `MAX_IN_FLIGHT`.
    public static let maxInFlight = BridgeSetting(
        "maxInFlight",
        .integer(1...100_000),
        default: "256",
        help: "requests handled at once; more get 503 at once. Request memory is bounded by `MAX_IN_FLIGHT` × `MAX_BODY_BYTES`"
    )
    /// `HTTP_MAX_CONNECTIONS`.
    public static let httpMaxConnections = BridgeSetting(
        "http.maxConnections",
        .integer(1...1_000_000),
        default: "1024",
        help: "open connections accepted at once; more wait in the listen backlog"
    )
    /// `HTTP_IDLE_TIMEOUT_MS`.
    public static let httpIdleTimeout = BridgeSetting(
        "http.idleTimeoutMs",
        .milliseconds(100...3_600_000),
        default: "60000",
        help:
            "a connection is closed when no whole request head (or body part) arrives for this long: idle keep-alive connections, and heads trickled byte by byte"
    )
    /// `HTTP_READ_TIMEOUT_MS`.
    public static let httpReadTimeout = BridgeSetting(
        "http.readTimeoutMs",
        .milliseconds(100...600_000),
        default: "10000",
        help:
            "the whole body must arrive within this: then the bridge stops reading, answers 408 `read_timeout` with `Connection: close` and closes the connection (2 s later at the latest, if the client does not read the answer)"
    )
    /// `HTTP_MAX_HEADER_BYTES`.
    public static let httpMaxHeaderBytes = BridgeSetting(
        "http.maxHeaderBytes",
        .integer(1024...1_048_576),
        default: "16384",
        help: "largest request head; larger ones are refused"
    )
    /// `KAFKA_TOPIC_PREFIX`.
    public static let kafkaTopicPrefix = BridgeSetting(
        "kafka.topicPrefix",
        .text,
        default: MalomoContractDefaults.topicPrefix,
        shownDefault: "`malomo.`",
        help: "prefix of every topic"
    )
    /// `KAFKA_DEAD_LETTER_TOPIC`.
    public static let kafkaDeadLetterTopic = BridgeSetting(
        "kafka.deadLetterTopic",
        .text,
        default: MalomoContractDefaults.deadLetterTopic,
        shownDefault: "`malomo.dead-letter`",
        help: "topic for verified but unroutable webhooks"
    )
    /// `KAFKA_CLOUDEVENTS`.
    public static let kafkaCloudevents = BridgeSetting(
        "kafka.cloudevents",
        .boolean,
        default: "true",
        help:
            "write the CloudEvents binary-mode `ce_*` headers on every record (see [Contract](#contract)); `false` writes only the `malomo-*` headers"
    )
    /// `KAFKA_LINGER_MS`.
    public static let kafkaLinger = BridgeSetting("kafka.lingerMs", .milliseconds(0...1000), default: "1", help: "producer `linger.ms` (0–1000)")
    /// `KAFKA_CLIENT_ID`.
    public static let kafkaClientID = BridgeSetting("kafka.clientId", .text, default: "malomo-bridge", help: "`client.id`")
    /// `KAFKA_COMPRESSION`.
    public static let kafkaCompression = BridgeSetting(
        "kafka.compression",
        .choice(["none", "gzip", "snappy", "lz4", "zstd"]),
        default: "none",
        help: "`none`, `gzip`, `snappy`, `lz4` or `zstd`"
    )
    /// `KAFKA_QUEUE_MAX_MESSAGES`.
    public static let kafkaQueueMaxMessages = BridgeSetting(
        "kafka.queueMaxMessages",
        .integer(1...10_000_000),
        default: "100000",
        help: "librdkafka's queue bound (`queue.buffering.max.messages`); past it, 503"
    )
    /// `KAFKA_QUEUE_MAX_KBYTES`.
    public static let kafkaQueueMaxKbytes = BridgeSetting(
        "kafka.queueMaxKbytes",
        .integer(1...2_097_151),
        default: "131072",
        help: "librdkafka's queue bound in KiB (`queue.buffering.max.kbytes`); past it, 503. "
            + "It must hold one record of `MAX_BODY_BYTES` with its headers, or startup stops"
    )
    /// `KAFKA_STATISTICS_INTERVAL_MS`.
    public static let kafkaStatisticsInterval = BridgeSetting(
        "kafka.statisticsIntervalMs",
        .milliseconds(0...86_400_000),
        default: "15000",
        help: "how often librdkafka's statistics feed the metrics (0 = off)"
    )
    /// `KAFKA_SECURITY_PROTOCOL`.
    public static let kafkaSecurityProtocol = BridgeSetting(
        "kafka.securityProtocol",
        .choice(["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"]),
        default: "plaintext",
        help: "`plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl`"
    )
    /// `KAFKA_SSL_CA_LOCATION`.
    public static let kafkaSSLCALocation = BridgeSetting(
        "kafka.sslCaLocation",
        .text,
        shownDefault: "(system CAs)",
        help: "CA bundle to verify the brokers"
    )
    /// `KAFKA_SSL_CERTIFICATE_LOCATION`.
    public static let kafkaSSLCertificateLocation = BridgeSetting(
        "kafka.sslCertificateLocation",
        .text,
        help: "client certificate (PEM), with `KAFKA_SSL_KEY_LOCATION`"
    )
    /// `KAFKA_SSL_KEY_LOCATION`.
    public static let kafkaSSLKeyLocation = BridgeSetting("kafka.sslKeyLocation", .text, help: "client private key (PEM)")
    /// `KAFKA_SSL_KEY_PASSWORD`.
    public static let kafkaSSLKeyPassword = BridgeSetting("kafka.sslKeyPassword", .secret, help: "its password (or `KAFKA_SSL_KEY_PASSWORD_FILE`)")
    /// `KAFKA_SSL_KEY_PASSWORD_FILE`.
    public static let kafkaSSLKeyPasswordFile = BridgeSetting("kafka.sslKeyPasswordFile", .text, help: "file holding `KAFKA_SSL_KEY_PASSWORD`")
    /// `KAFKA_SASL_MECHANISM`.
    public static let kafkaSASLMechanism = BridgeSetting(
        "kafka.saslMechanism",
        .choice(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]),
        help: "`PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`; required with `sasl_*`"
    )
    /// `KAFKA_SASL_USERNAME`.
    public static let kafkaSASLUsername = BridgeSetting("kafka.saslUsername", .text, help: "SASL user")
    /// `KAFKA_SASL_PASSWORD`.
    public static let kafkaSASLPassword = BridgeSetting("kafka.saslPassword", .secret, help: "SASL password (or `KAFKA_SASL_PASSWORD_FILE`)")
    /// `KAFKA_SASL_PASSWORD_FILE`.
    public static let kafkaSASLPasswordFile = BridgeSetting("kafka.saslPasswordFile", .text, help: "file holding `KAFKA_SASL_PASSWORD`")
    /// `KAFKA_PROPERTIES_FILE`.
    public static let kafkaPropertiesFile = BridgeSetting(
        "kafka.propertiesFile",
        .text,
        help: "librdkafka properties, `name=value` per line, for anything not named here"
    )
    /// `LOG_LEVEL`.
    public static let logLevel = BridgeSetting(
        "log.level",
        .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
        default: "info",
        help: "`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`"
    )
    /// `LOG_FORMAT`.
    public static let logFormat = BridgeSetting(
        "log.format",
        .choice(["json", "text"]),
        default: "json",
        shownDefault: "`json` (dev mode: `text`)",
        help: "`json` (one object per line) or `text`"
    )
    /// `LOG_BUFFER_BYTES`.
    public static let logBufferBytes = BridgeSetting(
        "log.bufferBytes",
        .integer((64 << 10)...(64 << 20)),
        default: "1048576",
        help:
            "log lines, in bytes, that may wait for standard error's reader (64 KiB – 64 MiB); further lines are dropped and counted in `malomo_bridge_log_lines_dropped_total`, never waited for"
    )

    /// Every setting, in the README's order.
    public static let all: [BridgeSetting] = [
        .kafkaBrokers,
        .malomoWebhookSecret,
        .malomoWebhookSecretFile,
        .malomoWebhookSecretsDir,
        .malomoSecretsReloadInterval,
        .malomoAllowUnsigned,
        .malomoAllowedTopics,
        .httpHost,
        .httpPort,
        .managementHost,
        .managementPort,
        .ackTimeout,
        .maxBodyBytes,
        .maxInFlight,
        .httpMaxConnections,
        .httpIdleTimeout,
        .httpReadTimeout,
        .httpMaxHeaderBytes,
        .kafkaTopicPrefix,
        .kafkaDeadLetterTopic,
        .kafkaCloudevents,
        .kafkaLinger,
        .kafkaClientID,
        .kafkaCompression,
        .kafkaQueueMaxMessages,
        .kafkaQueueMaxKbytes,
        .kafkaStatisticsInterval,
        .kafkaSecurityProtocol,
        .kafkaSSLCALocation,
        .kafkaSSLCertificateLocation,
        .kafkaSSLKeyLocation,
        .kafkaSSLKeyPassword,
        .kafkaSSLKeyPasswordFile,
        .kafkaSASLMechanism,
        .kafkaSASLUsername,
        .kafkaSASLPassword,
        .kafkaSASLPasswordFile,
        .kafkaPropertiesFile,
        .logLevel,
        .logFormat,
        .logBufferBytes,
    ]
}
