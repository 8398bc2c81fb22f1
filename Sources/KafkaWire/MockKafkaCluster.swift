import Logging

/// An in-process Kafka cluster for development and tests, backed by librdkafka's mock
/// cluster. It speaks the real Kafka protocol on loopback ports, so every client works
/// against ``bootstrapServers``. Broker ids run from 1 to the broker count.
///
/// - Important: For development and tests only: data lives in memory and is lost on exit.
public final class MockKafkaCluster: Sendable {
    private let cluster: RDKafkaMockCluster

    /// Kafka's Produce request API key, for ``failNextRequests(apiKey:with:)``.
    public static let produceAPIKey: Int16 = 0

    /// Starts a cluster of `brokerCount` brokers on loopback.
    public init(brokerCount: Int = 3, logger: Logger = Logger(label: "malomo.mock-kafka")) throws {
        self.cluster = try RDKafkaMockCluster(brokerCount: brokerCount, logger: logger)
        self.brokerCount = brokerCount
        let ports = self.cluster.bootstrapServers.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { UInt16($0) } }
        let changed = MockBrokerSocketTuning.disableNagleOnListeners(ports: Set(ports))
        logger.debug("Mock brokers' listening sockets set to TCP_NODELAY", metadata: ["sockets": "\(changed)"])
    }

    /// How many brokers the cluster has.
    public let brokerCount: Int

    /// Comma-separated `host:port` list to use as `bootstrap.servers`.
    public var bootstrapServers: String { self.cluster.bootstrapServers }

    /// Creates a topic up front (otherwise topics are auto-created on first use).
    public func createTopic(_ name: String, partitions: Int32 = 3, replicationFactor: Int32 = 1) throws {
        try self.cluster.createTopic(name, partitions: partitions, replicationFactor: replicationFactor)
    }

    /// Takes a broker down (connections drop, new ones are refused) or brings it back up.
    public func setBroker(_ id: Int32, up: Bool) throws {
        try self.cluster.setBroker(id, up: up)
    }

    /// Takes every broker down or brings every broker back up.
    public func setAllBrokers(up: Bool) throws {
        for id in 1...Int32(self.brokerCount) {
            try self.cluster.setBroker(id, up: up)
        }
    }

    /// Adds round-trip time to every response of one broker.
    public func setBrokerRoundTripTime(_ id: Int32, milliseconds: Int32) throws {
        try self.cluster.setBrokerRoundTripTime(id, milliseconds: milliseconds)
    }

    /// Moves a partition's leadership to another broker.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws {
        try self.cluster.setPartitionLeader(topic: topic, partition: partition, broker: broker)
    }

    /// Makes the next requests of an API (e.g. ``produceAPIKey``) fail with these Kafka
    /// error codes, one per request, in order.
    public func failNextRequests(apiKey: Int16, with errorCodes: [Int32]) {
        self.cluster.pushRequestErrors(apiKey: apiKey, errors: errorCodes)
    }
}
