import KafkaWire
import Logging
import MalomoBridge
import MalomoContract
import MalomoWebhookCore
import NIOCore
import NIOPosix
import Testing

/// librdkafka's publisher keeps the ``WebhookPublisher`` promise the HTTP contract tests take
/// for granted: the wait ends at the publish's timeout, whatever librdkafka's own timeouts.
@Suite struct KafkaWebhookPublisherTests {
    @Test func theWaitEndsAtTheTimeoutEvenWhenLibrdkafkaWouldWaitLonger() async throws {
        var logger = Logger(label: "publisher-test")
        logger.logLevel = .critical
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        try cluster.createTopic("malomo.orders.created", partitions: 1, replicationFactor: 1)
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        // librdkafka alone would wait a minute for the broker.
        configuration.messageTimeout = .seconds(60)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let publisher = KafkaWebhookPublisher(producer: producer)
        let body = Array(#"{"id":"deadline"}"#.utf8)
        let record = WebhookRouter().record(
            body: body,
            malomoTopic: "orders:created",
            webhookID: "wh_1",
            attemptNumber: "1",
            receivedAt: "2026-12-01T00:00:00.000Z"
        )
        try cluster.setAllBrokers(up: false)
        let started = ContinuousClock.now
        do {
            _ = try await publisher.publish(
                record,
                body: ByteBuffer(bytes: body),
                timestampMilliseconds: 0,
                timeout: .milliseconds(300),
                eventLoop: MultiThreadedEventLoopGroup.singleton.next()
            )
            Issue.record("a publish to a cluster that is down succeeded")
        } catch {
            #expect(error.code == .messageTimedOut)
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(2), "the wait took \(elapsed), not the 300 ms timeout")
        await producer.shutdown()
    }
}
