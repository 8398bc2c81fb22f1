import Logging
import Testing

@testable import KafkaWire

@Suite struct KafkaConsumerAssignmentTests {
    let logger = Logger(label: "test")

    /// Watermarks bound what is stored; a consumer without topics reads exactly the assigned
    /// partitions from the assigned offsets, and its commits land in its group.
    @Test(.timeLimit(.minutes(1))) func watermarksAndAssignmentReadABoundedRange() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        try cluster.createTopic("wire.assigned", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: self.logger)
        for index in 0..<5 {
            _ = try await producer.send(KafkaProducerRecord(topic: "wire.assigned", key: Array("same".utf8), value: [UInt8(index)], headers: []))
        }
        await producer.shutdown()
        func consumer() throws -> KafkaConsumer {
            try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "assigned", topics: []),
                logger: self.logger
            )
        }
        let first = try consumer()
        let marks = try await first.watermarks(topic: "wire.assigned")
        #expect(marks.map(\.partition) == [0, 1])
        #expect(marks.map(\.high).reduce(0, +) == 5 && marks.allSatisfy { $0.low == 0 })
        #expect(try await first.watermarks(topic: "wire.absent").isEmpty)
        let full = try #require(marks.first { $0.high == 5 })
        let partition = KafkaTopicPartition(topic: "wire.assigned", partition: full.partition)
        try await first.assign([partition: 2])
        var values: [UInt8] = []
        var read: [KafkaConsumerMessage] = []
        while values.count < 3, case .message(let message) = try await first.poll(timeout: .seconds(10)) {
            values.append(message.value[0])
            read.append(message)
        }
        #expect(values == [2, 3, 4], "from the assigned offset, in order")
        try await first.commit(Array(read.prefix(2)))
        await first.close()
        let second = try consumer()
        #expect(try await second.committedOffsets([partition])[partition] == 4)
        await second.close()
    }
}
