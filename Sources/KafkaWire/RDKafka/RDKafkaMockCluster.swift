import CLibrdkafka
import Dispatch
import Logging

/// librdkafka's in-process mock cluster: real Kafka wire protocol on loopback TCP ports,
/// so any Kafka client (kcat included) can talk to it.
///
/// `@unchecked Sendable`: the handles are immutable after `init`, and the mock control
/// calls are thread-safe (they post operations to the cluster's own thread).
final class RDKafkaMockCluster: @unchecked Sendable {
    private let owner: RDKafkaClient
    private let cluster: OpaquePointer

    init(brokerCount: Int, logger: Logger) throws(KafkaError) {
        // The mock cluster needs a handle to live in; a producer with no brokers is enough.
        self.owner = try RDKafkaClient(
            kind: .producer,
            // No bootstrap servers on purpose; hide the warning librdkafka logs about it.
            properties: [("client.id", "malomo-mock-cluster"), ("log_level", "4")],
            logger: logger
        )
        guard let cluster = rd_kafka_mock_cluster_new(self.owner.handle, Int32(brokerCount)) else {
            throw KafkaError(code: .configuration, reason: "librdkafka could not start a mock cluster")
        }
        self.cluster = cluster
    }

    deinit {
        // Blocking (joins the cluster's thread): not on the releasing thread. The owner handle
        // must outlive the cluster, so it rides along and is released afterwards.
        let cluster = SendableHandle(self.cluster)
        let owner = self.owner
        DispatchQueue.global(qos: .utility).async {
            rd_kafka_mock_cluster_destroy(cluster.pointer)
            withExtendedLifetime(owner) {}
        }
    }

    var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(self.cluster)) }

    func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_topic_create(self.cluster, name, partitions, replicationFactor))
    }

    func setBroker(_ id: Int32, up: Bool) throws(KafkaError) {
        try check(up ? rd_kafka_mock_broker_set_up(self.cluster, id) : rd_kafka_mock_broker_set_down(self.cluster, id))
    }

    func setBrokerRoundTripTime(_ id: Int32, milliseconds: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_rtt(self.cluster, id, milliseconds))
    }

    func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_partition_set_leader(self.cluster, topic, partition, broker))
    }

    /// Makes the next requests of `apiKey` (0 = Produce) fail with these error codes, in order.
    func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t($0) }
        rd_kafka_mock_push_request_errors_array(self.cluster, apiKey, codes.count, &codes)
    }

    private func check(_ code: rd_kafka_resp_err_t) throws(KafkaError) {
        if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdKafkaCode: code.rawValue) }
    }
}
