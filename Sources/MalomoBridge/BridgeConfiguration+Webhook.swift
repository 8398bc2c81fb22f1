import MalomoContract
import MalomoWebhookCore

extension BridgeConfiguration {
    /// Verifying, routing and acknowledging webhooks: `MALOMO_*`, `ACK_TIMEOUT_MS`,
    /// `MAX_BODY_BYTES`, `MAX_IN_FLIGHT`, and the topics' names.
    public struct Webhook: Sendable {
        /// Routing: topic prefix, dead-letter topic, allow-list, CloudEvents headers.
        public var router = WebhookRouter()
        /// Secrets accepted for every webhook id (several = rotation).
        public var defaultSecrets: [WebhookSecret] = []
        /// Directory with one file per webhook id, holding that webhook's secrets one per line.
        public var secretsDirectory: String? = nil
        /// How often the secrets directory is checked for changes.
        public var secretsReloadInterval: Duration = .seconds(5)
        /// Accept unsigned requests when no secret applies.
        public var allowUnsigned = false
        /// How long a request waits for the broker's acknowledgement before answering 503.
        public var ackTimeout: Duration = .seconds(5)
        /// Largest accepted body; larger ones get 413.
        public var maxBodyBytes = 1 << 19
        /// Requests handled at once; more get 503 at once.
        public var maxInFlight = 256

        /// The defaults.
        public init() {}

        init(reading values: inout SettingValues) throws(BridgeConfigurationError) {
            let prefix = try values.textOrDefault(.kafkaTopicPrefix)!
            guard prefix.utf8.allSatisfy(BridgeConfiguration.isKafkaTopicCharacter), prefix.utf8.count <= 40 else {
                throw .init(
                    setting: BridgeSetting.kafkaTopicPrefix.environmentVariable,
                    message: "may hold only letters, digits, '.', '_' and '-' (at most 40)"
                )
            }
            let deadLetter = try values.textOrDefault(.kafkaDeadLetterTopic)!
            guard !deadLetter.isEmpty, deadLetter.utf8.count <= 249, deadLetter.utf8.allSatisfy(BridgeConfiguration.isKafkaTopicCharacter),
                deadLetter != ".", deadLetter != ".."
            else {
                throw .init(
                    setting: BridgeSetting.kafkaDeadLetterTopic.environmentVariable,
                    message: "must be a Kafka topic name: 1 to 249 letters, digits, '.', '_' or '-'"
                )
            }
            let allowed = try Self.allowedTopics(&values)
            let cloudEvents = try values.boolean(.kafkaCloudevents)
            self.router = WebhookRouter(topicPrefix: prefix, deadLetterTopic: deadLetter, allowedTopics: allowed, cloudEvents: cloudEvents)
            try self.readSecrets(&values)
            self.secretsReloadInterval = try values.duration(.malomoSecretsReloadInterval)
            self.allowUnsigned = try values.boolean(.malomoAllowUnsigned)
            self.ackTimeout = try values.duration(.ackTimeout)
            self.maxBodyBytes = try values.integer(.maxBodyBytes)
            self.maxInFlight = try values.integer(.maxInFlight)
        }

        /// Default: the seven documented topics. `*` routes every well-formed topic, creating a
        /// Kafka topic for each new one Malomo (or a holder of a webhook secret) sends.
        static func allowedTopics(_ values: inout SettingValues) throws(BridgeConfigurationError) -> Set<MalomoTopic>? {
            let setting = BridgeSetting.malomoAllowedTopics
            let list = try values.textOrDefault(setting)!
            if list == "*" {
                values.show(setting, as: "*")
                return nil
            }
            var topics = Set<MalomoTopic>()
            for item in list.split(separator: ",") {
                let name = String(item.trimmingWhiteSpace())
                guard let topic = MalomoTopic(name) else {
                    throw .init(
                        setting: setting.environmentVariable,
                        message: "'\(name)' is not a Malomo topic like orders:created (or use * for every topic)"
                    )
                }
                topics.insert(topic)
            }
            if topics.isEmpty { throw .init(setting: setting.environmentVariable, message: "is set but lists no topic") }
            values.show(setting, as: BridgeConfiguration.allowListText(topics))
            return topics
        }

        /// One secret in MALOMO_WEBHOOK_SECRET; several (rotation) one per line in its _FILE.
        /// Never split on commas: a secret holding a comma would become two shorter secrets that
        /// both verify.
        mutating func readSecrets(_ values: inout SettingValues) throws(BridgeConfigurationError) {
            let secretFromFile = try values.text(.malomoWebhookSecretFile) != nil
            if let secretText = try values.secret(.malomoWebhookSecret, file: .malomoWebhookSecretFile) {
                if secretFromFile {
                    self.defaultSecrets = secretText.split(whereSeparator: \.isNewline)
                        .filter { !$0.trimmingWhiteSpace().hasPrefix("#") }
                        .compactMap { WebhookSecret($0) }
                    if self.defaultSecrets.isEmpty {
                        throw .init(setting: BridgeSetting.malomoWebhookSecretFile.environmentVariable, message: "holds no secret")
                    }
                } else {
                    guard !secretText.contains(",") else {
                        throw .init(
                            setting: BridgeSetting.malomoWebhookSecret.environmentVariable,
                            message: "holds a comma: it is one secret, never a list; put several secrets one per line "
                                + "in MALOMO_WEBHOOK_SECRET_FILE (or per webhook in MALOMO_WEBHOOK_SECRETS_DIR)"
                        )
                    }
                    guard let secret = WebhookSecret(secretText) else {
                        throw .init(setting: BridgeSetting.malomoWebhookSecret.environmentVariable, message: "is set but holds no secret")
                    }
                    self.defaultSecrets = [secret]
                }
            }
            self.secretsDirectory = try values.text(.malomoWebhookSecretsDir)
        }
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
