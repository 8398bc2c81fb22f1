import KafkaWire
import Logging
import Testing

// The code of KafkaWire.docc/GettingStarted.md, compiled by every build: scripts/check-docs
// fails when an article's code is not here, verbatim but for imports and indentation.
// The test among them runs, on the mock cluster.

enum KafkaWireDocumentationSamples {
    static func produce() async throws {
        let logger = Logger(label: "order-writer")
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["kafka-0:9092", "kafka-1:9092"])
        configuration.clientID = "order-writer"
        configuration.messageTimeout = .seconds(10)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)

        do {
            let report = try await producer.send(
                KafkaProducerRecord(
                    topic: "orders",
                    key: Array("order-1".utf8),
                    value: Array(#"{"id":"order-1"}"#.utf8),
                    headers: [KafkaHeader(key: "content-type", string: "application/json")]
                )
            )
            logger.info("Stored", metadata: ["partition": "\(report.partition)", "offset": "\(report.offset)"])
        } catch {
            logger.error("Not stored", metadata: ["error": "\(error)"])
        }
        await producer.shutdown()
    }

    static func consume(logger: Logger) async throws {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: ["kafka-0:9092"], groupID: "order-readers", topics: ["orders"]),
            logger: logger
        )
        while let message = try await consumer.next() {
            try await handle(message)  // your code
            try await consumer.commit([message])
        }
        await consumer.close()
    }

    /// "your code" in the samples.
    static func handle(_ message: KafkaConsumerMessage) async throws {}
}

@Test func recordsReadBack() async throws {
    let logger = Logger(label: "test")
    let cluster = try MockKafkaCluster(brokerCount: 1)
    try cluster.createTopic("orders", partitions: 1)
    let producer = try KafkaProducer(
        configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
        logger: logger
    )
    let report = try await producer.send(KafkaProducerRecord(topic: "orders", key: nil, value: [1, 2, 3]))
    await producer.shutdown()

    let consumer = try KafkaConsumer(
        configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "test", topics: ["orders"]),
        logger: logger
    )
    let message = try #require(try await consumer.next())
    #expect(message.offset == report.offset && message.value == [1, 2, 3])
    try await consumer.commit([message])
    await consumer.close()
}
