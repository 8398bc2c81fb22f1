import Foundation
import Logging
import Synchronization
import Testing

@testable import KafkaWire

@Suite struct KafkaProducerTests {
    let logger = Logger(label: "test")

    @Test func sendReturnsTheBrokersReportAndTheRecordReadsBackExactly() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 3)
        try cluster.createTopic("wire.roundtrip", partitions: 3)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
            logger: logger
        )
        let value: [UInt8] = Array(0...255) + Array("{\"id\":\"x\"}".utf8)
        let headers = [KafkaHeader(key: "a", string: "1"), KafkaHeader(key: "empty", value: []), KafkaHeader(key: "null", value: nil)]
        let first = try await producer.send(KafkaProducerRecord(topic: "wire.roundtrip", key: Array("k1".utf8), value: value, headers: headers))
        let second = try await producer.send(KafkaProducerRecord(topic: "wire.roundtrip", key: Array("k1".utf8), value: [1], headers: []))
        #expect(first.topic == "wire.roundtrip")
        #expect((0..<3).contains(first.partition))
        // Same key, same partition, next offset.
        #expect(second.partition == first.partition)
        #expect(second.offset == first.offset + 1)
        await producer.shutdown()

        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: [cluster.bootstrapServers],
                groupID: "roundtrip",
                topics: ["wire.roundtrip"]
            ),
            logger: logger
        )
        let message = try #require(try await consumer.next())
        #expect(message.topic == "wire.roundtrip")
        #expect(message.partition == first.partition && message.offset == first.offset)
        #expect(message.key == Array("k1".utf8))
        #expect(message.value == value)
        #expect(message.headers.map(\.key) == ["a", "empty", "null"])
        #expect(message.header("a")?.stringValue == "1")
        #expect(message.header("null")?.value == nil)
        let next = try #require(try await consumer.next())
        #expect(next.value == [1])
        try await consumer.commit([message, next])
        await consumer.close()
        #expect(try await consumer.next() == nil)
    }

    @Test func unacknowledgedMessagesFailWithinTheMessageTimeout() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        try cluster.createTopic("wire.down", partitions: 1)
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.messageTimeout = .milliseconds(1000)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        // Warm up (connection, metadata): a first send to a topic created a moment ago can
        // outlast the 1 s timeout, so it may take a few tries.
        var warmedUp = false
        for _ in 0..<10 where !warmedUp {
            warmedUp = (try? await producer.send(KafkaProducerRecord(topic: "wire.down", key: nil, value: [1]))) != nil
        }
        try #require(warmedUp, "no send succeeded while the broker was up")
        try cluster.setAllBrokers(up: false)
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: KafkaError(code: .messageTimedOut, reason: "")) {
            try await producer.send(KafkaProducerRecord(topic: "wire.down", key: nil, value: [2]))
        }
        let elapsed = clock.now - start
        // librdkafka scans for timed-out messages about once a second, so the failure comes
        // 1-2 s after the send. The bound catches a timeout that was not applied (librdkafka's
        // default is 300 s) with room for a loaded 2-core CI machine (2.95 s seen there while
        // builds ran beside it).
        #expect(elapsed < .milliseconds(4000), "took \(elapsed)")
        try cluster.setAllBrokers(up: true)
        // librdkafka reconnects by itself (reconnect.backoff.max.ms = 1 s), which can take as
        // long as the 1 s message timeout: a send or two may still time out (seen once).
        var report: KafkaDeliveryReport? = nil
        for _ in 0..<10 where report == nil {
            report = try? await producer.send(KafkaProducerRecord(topic: "wire.down", key: nil, value: [3]))
        }
        #expect(try #require(report, "no send succeeded after the broker came back").partition == 0)
        await producer.shutdown()
    }

    @Test func fullQueueFailsAtOnceWithATypedError() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.maximumQueuedMessages = 1
        configuration.lingerMilliseconds = 200
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        try cluster.setAllBrokers(up: false)
        async let first = producer.send(KafkaProducerRecord(topic: "wire.full", key: nil, value: [1]))
        // Until the first record is in librdkafka's queue (its send is in flight and the queue,
        // which also counts librdkafka's own requests, is not empty).
        let deadline = ContinuousClock.now + .seconds(10)
        while (producer.inFlightCount < 1 || producer.queuedCount < 1) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        await #expect(throws: KafkaError(code: .queueFull, reason: "")) {
            try await producer.send(KafkaProducerRecord(topic: "wire.full", key: nil, value: [2]))
        }
        try cluster.setAllBrokers(up: true)
        _ = try? await first
        await producer.shutdown()
    }

    /// librdkafka refuses a message larger than its whole queue even when the queue is empty,
    /// which is why the bridge refuses a KAFKA_QUEUE_MAX_KBYTES below its largest record.
    @Test func aMessageLargerThanTheWholeQueueIsRefusedOnAnEmptyQueue() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.additionalProperties = ["queue.buffering.max.kbytes": "1"]
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        _ = try await producer.send(KafkaProducerRecord(topic: "wire.queue-size", key: nil, value: [UInt8](repeating: 1, count: 512)))
        await #expect(throws: KafkaError(code: .queueFull, reason: "")) {
            try await producer.send(KafkaProducerRecord(topic: "wire.queue-size", key: nil, value: [UInt8](repeating: 2, count: 2048)))
        }
        await producer.shutdown()
    }

    @Test func sendAfterShutdownFails() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
            logger: logger
        )
        await producer.shutdown()
        await #expect(throws: KafkaError(code: .shutdown, reason: "")) {
            try await producer.send(KafkaProducerRecord(topic: "t", key: nil, value: [1]))
        }
    }

    #if os(Linux)
        /// `top -H`, `ps -T` and `perf` show the delivery-report thread by its name.
        @Test func pollThreadCarriesItsName() async throws {
            let cluster = try MockKafkaCluster(brokerCount: 1)
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
                logger: logger
            )
            var names: [String] = []
            // Until the thread named itself (it does so first thing; a loaded machine may take a while to run it).
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline {
                names = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []).compactMap {
                    try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                }
                if names.contains("kafka-producer") { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(names.contains("kafka-producer"), "\(names)")
            await producer.shutdown()
        }
    #endif

    @Test func badPropertyIsNamed() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.additionalProperties = ["compression.codec": "zip"]
        do {
            _ = try KafkaProducer(configuration: configuration, logger: logger)
            Issue.record("expected a configuration error")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.reason.contains("compression.codec"))
        }
    }

    @Test func effectivePropertiesAreLibrdkafkasAndRedacted() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.additionalProperties = ["sasl.password": "hunter2", "sasl.username": "bridge"]
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let properties = producer.effectiveProperties
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["request.required.acks"] == "-1", "acks=all is -1: \(properties["request.required.acks"] ?? "nil")")
        #expect(properties["message.timeout.ms"] == "4000")
        #expect(properties["socket.nagle.disable"] == "true")
        #expect(properties["sasl.username"] == "bridge")
        #expect(properties["sasl.password"] == "[redacted]")
        #expect(RedactedProperties.isSecret("sasl.oauthbearer.assertion.private.key.passphrase"))
        #expect(RedactedProperties.redact(["sasl.oauthbearer.assertion.private.key.passphrase": "pw"]).values.first == "[redacted]")
        #expect(!properties.values.contains("hunter2"))
    }
}

@Suite struct KafkaConsumerTests {
    /// After close(), a commit or an offsets query is answered at once with .shutdown (a
    /// commit used to be queued for a thread that had ended, and waited forever).
    @Test(.timeLimit(.minutes(1))) func callsAfterCloseAreAnsweredAtOnce() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        try cluster.createTopic("wire.closed", partitions: 1)
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "closed", topics: ["wire.closed"]),
            logger: Logger(label: "test")
        )
        await consumer.close()
        do {
            try await consumer.commit(positions: [KafkaCommitPosition(topic: "wire.closed", partition: 0, offset: 1)])
            Issue.record("a commit after close succeeded")
        } catch let error as KafkaError {
            #expect(error.code == .shutdown)
        }
        await #expect(throws: KafkaError.self) { _ = try await consumer.committedOffsets([KafkaTopicPartition(topic: "wire.closed", partition: 0)]) }
        #expect(try await consumer.next() == nil)
        await consumer.close()
    }

    @Test(.timeLimit(.minutes(1))) func cancellingAWaitingNextReturnsPromptly() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        try cluster.createTopic("wire.idle", partitions: 1)
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: [cluster.bootstrapServers],
                groupID: "idle",
                topics: ["wire.idle"]
            ),
            logger: Logger(label: "test")
        )
        /// Until the consumer thread is serving a poll (librdkafka came back empty twice more).
        func waitUntilBlocked() async throws {
            let start = consumer.emptyPollCount
            let deadline = ContinuousClock.now + .seconds(20)
            while consumer.emptyPollCount < start + 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(consumer.emptyPollCount >= start + 2, "next() never reached librdkafka")
        }
        let task = Task { try await consumer.next() }
        try await waitUntilBlocked()
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - start < .seconds(2))
        // stopReading() also ends a waiting next(), with nil.
        let waiting = Task { try await consumer.next() }
        try await waitUntilBlocked()
        consumer.stopReading()
        #expect(try await waiting.value == nil)
        await consumer.close()
    }
}

@Suite struct KafkaProducerShutdownRaceTests {
    /// Sends racing the start of shutdown are either delivered (covered by the final flush) or
    /// refused with `.shutdown`: none is left waiting forever.
    @Test func sendsRacingShutdownAllGetAnOutcome() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        try cluster.createTopic("wire.race", partitions: 1)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
            logger: Logger(label: "race")
        )
        _ = try await producer.send(KafkaProducerRecord(topic: "wire.race", key: nil, value: [0]))
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        _ = try await producer.send(KafkaProducerRecord(topic: "wire.race", key: nil, value: [UInt8(index % 256)]))
                        return "delivered"
                    } catch let error as KafkaError {
                        return error.code == .shutdown ? "refused" : "failed: \(error)"
                    }
                }
                if index == 100 {
                    group.addTask {
                        await producer.shutdown()
                        return "shutdown"
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.count == 201, "every send returned")
        #expect(outcomes.allSatisfy { $0 == "delivered" || $0 == "refused" || $0 == "shutdown" }, "\(Set(outcomes))")
    }

    /// A flush that times out (brokers down) fails the sends still waiting with `.shutdown`
    /// instead of leaving them waiting until the message timeout, or forever.
    @Test func shutdownWhoseFlushTimesOutAnswersEveryWaitingSend() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1)
        try cluster.createTopic("wire.purge", partitions: 1)
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.messageTimeout = .seconds(60)
        configuration.shutdownFlushTimeout = .milliseconds(300)
        let producer = try KafkaProducer(configuration: configuration, logger: Logger(label: "purge"))
        _ = try await producer.send(KafkaProducerRecord(topic: "wire.purge", key: nil, value: [0]))
        try cluster.setAllBrokers(up: false)
        let outcomes = Outcomes()
        let sends = (1...5).map { index in
            Task {
                do {
                    _ = try await producer.send(KafkaProducerRecord(topic: "wire.purge", key: nil, value: [UInt8(index)]))
                    outcomes.append("delivered")
                } catch let error as KafkaError {
                    outcomes.append(error.code == .shutdown ? "shutdown" : "\(error)")
                }
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        let clock = ContinuousClock()
        let start = clock.now
        await producer.shutdown()
        // Bounded wait: without the purge these sends would wait out the 60 s message timeout.
        while outcomes.all.count < sends.count, clock.now - start < .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(outcomes.all == Array(repeating: "shutdown", count: 5))
        #expect(clock.now - start < .seconds(5), "took \(clock.now - start)")
        for send in sends { send.cancel() }
    }
}

/// Outcomes collected from concurrent tasks.
final class Outcomes: Sendable {
    private let values = Mutex<[String]>([])
    func append(_ value: String) { self.values.withLock { $0.append(value) } }
    var all: [String] { self.values.withLock { $0 } }
}
