extension BridgeConfiguration {
    /// The Kafka producer: `KAFKA_*` (the topics' names are the webhook's router's).
    public struct Kafka: Sendable {
        /// Bootstrap servers.
        public var brokers: [String]
        /// `linger.ms`.
        public var linger: Duration = .milliseconds(1)
        /// `client.id`.
        public var clientID = "malomo-bridge"
        /// `compression.codec`.
        public var compression = "none"
        /// `queue.buffering.max.messages`.
        public var queueMaxMessages = 100_000
        /// `queue.buffering.max.kbytes`.
        public var queueMaxKilobytes = 131_072
        /// `statistics.interval.ms`; `nil` = off.
        public var statisticsInterval: Duration? = .seconds(15)
        /// TLS, SASL and pass-through librdkafka properties (values may be secrets: never log them).
        public var properties: [String: String] = [:]

        /// The defaults, with these brokers.
        public init(brokers: [String]) {
            self.brokers = brokers
        }

        init(reading values: inout SettingValues, dev: Bool, environment: [String: String]) throws(BridgeConfigurationError) {
            let setting = BridgeSetting.kafkaBrokers.environmentVariable
            self.brokers = []
            if let brokers = try values.text(.kafkaBrokers) {
                // A production environment (the chart's, say) started with --dev would answer
                // 202 for records kept only in the in-process cluster's memory.
                if dev {
                    throw .init(
                        setting: setting,
                        message: "cannot be used with --dev: dev mode writes to an in-process Kafka that keeps records in memory only, "
                            + "so every 202 would be lost at exit. Unset \(setting), or run without --dev"
                    )
                }
                self.brokers = brokers.split(separator: ",").map { String($0.trimmingWhiteSpace()) }.filter { !$0.isEmpty }
                if self.brokers.isEmpty {
                    throw .init(setting: setting, message: "must list at least one host:port")
                }
                for broker in self.brokers where !broker.contains(":") {
                    throw .init(setting: setting, message: "'\(broker)' is not host:port")
                }
            } else if !dev {
                throw .init(setting: setting, message: "is required (comma-separated host:port list), or run with --dev")
            }
            self.linger = try values.duration(.kafkaLinger)
            self.clientID = try values.textOrDefault(.kafkaClientID)!
            self.compression = try values.choice(.kafkaCompression)!
            self.queueMaxMessages = try values.integer(.kafkaQueueMaxMessages)
            self.queueMaxKilobytes = try values.integer(.kafkaQueueMaxKbytes)
            let statistics = try values.duration(.kafkaStatisticsInterval)
            self.statisticsInterval = statistics > .zero ? statistics : nil
            self.properties = try KafkaConnectionSettings.read(&values, environment: environment)
            values.show(.kafkaSecurityProtocol, as: self.properties["security.protocol"] ?? BridgeSetting.kafkaSecurityProtocol.defaultValue!)
        }
    }
}
