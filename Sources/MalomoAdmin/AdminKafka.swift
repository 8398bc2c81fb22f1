import KafkaWire
import Logging

/// How the admin tool reaches Kafka: the bridge's brokers and connection properties (TLS,
/// SASL), read from the bridge's own settings.
public struct AdminKafka: Sendable {
    /// `KAFKA_BROKERS`.
    public var bootstrapServers: [String]
    /// librdkafka properties for the connection (`security.*`, `ssl.*`, `sasl.*`, …).
    public var connectionProperties: [String: String]
    /// How long a read may see no record before it gives up on reaching a partition's end.
    public var idleTimeout: Duration = .seconds(30)

    /// `message.max.bytes` as the bridge sets it: a dead letter the bridge could write can be
    /// copied.
    public var messageMaxBytes: String?

    /// Creates the settings. Of `properties`, only the connection's (`security.*`, `ssl.*`,
    /// `sasl.*`, `socket.*`, `broker.*`, `client.rack`) are kept, and `message.max.bytes` for the
    /// redrive's producer: the rest tune the bridge's producer.
    public init(bootstrapServers: [String], properties: [String: String]) {
        self.bootstrapServers = bootstrapServers
        let prefixes = ["security.", "ssl.", "sasl.", "socket.", "broker.", "client.rack", "enable.ssl."]
        self.connectionProperties = properties.filter { key, _ in prefixes.contains { key.hasPrefix($0) } }
        self.messageMaxBytes = properties["message.max.bytes"]
    }

    func reader(logger: Logger) -> TopicReader {
        TopicReader(
            bootstrapServers: self.bootstrapServers,
            connectionProperties: self.connectionProperties,
            idleTimeout: self.idleTimeout,
            logger: logger
        )
    }

    func producer(logger: Logger) throws(KafkaError) -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(bootstrapServers: self.bootstrapServers)
        configuration.clientID = "malomo-admin"
        configuration.messageTimeout = .seconds(30)
        configuration.shutdownFlushTimeout = .seconds(30)
        configuration.additionalProperties = self.connectionProperties
        if let size = self.messageMaxBytes { configuration.additionalProperties["message.max.bytes"] = size }
        return try KafkaProducer(configuration: configuration, logger: logger)
    }
}
