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

    /// Creates the settings. Of `properties`, only the connection's (`security.*`, `ssl.*`,
    /// `sasl.*`, `socket.*`, `broker.*`, `client.rack`) are kept: the rest tune the bridge's
    /// producer.
    public init(bootstrapServers: [String], properties: [String: String]) {
        self.bootstrapServers = bootstrapServers
        let prefixes = ["security.", "ssl.", "sasl.", "socket.", "broker.", "client.rack", "enable.ssl."]
        self.connectionProperties = properties.filter { key, _ in prefixes.contains { key.hasPrefix($0) } }
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
        return try KafkaProducer(configuration: configuration, logger: logger)
    }
}
