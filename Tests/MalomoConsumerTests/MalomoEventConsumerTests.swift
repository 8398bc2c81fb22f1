import Foundation
import Hummingbird
import HummingbirdTesting
import KafkaWire
import MalomoConsumer
import MalomoFixtures
import MalomoModels
import MalomoTestSupport
import MalomoWebhookCore
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct MalomoConsumerTests {
    func consumerConfiguration(_ harness: BridgeHarness, group: String = "c-\(UUID().uuidString)") -> MalomoConsumerConfiguration {
        var configuration = MalomoConsumerConfiguration(bootstrapServers: [harness.cluster.bootstrapServers], groupID: group)
        configuration.sessionTimeout = .seconds(6)
        return configuration
    }

    /// Collects deliveries with `run(handler:)` until `count` arrived or the time is up.
    func collect(_ consumer: MalomoEventConsumer, count: Int, timeout: Duration = .seconds(30)) async throws -> [MalomoDelivery] {
        let collected = Mutex<[MalomoDelivery]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: timeout)
                consumer.stop()
            }
            try await consumer.run { delivery in
                let total = collected.withLock {
                    $0.append(delivery)
                    return $0.count
                }
                if total >= count { consumer.stop() }
            }
            group.cancelAll()
        }
        return collected.withLock { $0 }
    }

    @Test func everyTopicPostedToTheBridgeComesOutTyped() async throws {
        let harness = try BridgeHarness()
        let sent = try await harness.application().test(.router) { client in
            var sent: [String: (body: [UInt8], accepted: AcceptedBody)] = [:]
            for (index, item) in Fixture.topics.enumerated() {
                let body = try Fixture.bytes(item.fixture)
                sent[item.topic] = (
                    body,
                    try await client.postWebhook(
                        body,
                        headers: BridgeHarness.headers(body: body, topic: item.topic, webhookID: "wh_\(index)", attempt: "\(index + 1)")
                    ) { try AcceptedBody($0.body) }
                )
            }
            return sent
        }
        // customer.json is posted on three topics: event id v2 makes them three events, so the
        // default duplicate filter lets all three through.
        let configuration = consumerConfiguration(harness)
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let deliveries = try await collect(consumer, count: 7)
        #expect(deliveries.count == 7)
        for delivery in deliveries {
            let (body, accepted) = try #require(sent[delivery.event.topic])
            #expect(delivery.kafkaTopic == accepted.topic)
            #expect(delivery.partition == Int32(accepted.partition) && delivery.offset == Int64(accepted.offset))
            #expect(delivery.eventID == accepted.event_id)
            #expect(delivery.rawValue == body)
            #expect(delivery.receivedAt?.instant != nil)
            #expect(delivery.webhookID?.hasPrefix("wh_") == true && delivery.attemptNumber != nil)
            switch delivery.event {
            case .orderCreated(let order): #expect(order.number == "4821" && order.shipments.count == 2)
            case .orderUpdated(let order), .orderDeleted(let order): #expect(!order.id.isEmpty)
            case .customerCreated(let c), .customerUpdated(let c), .customerDeleted(let c): #expect(c.id != nil)
            case .eventCreated(let event): #expect(event.type == "ShopifyOrderFulfilled")
            case .unknown(let topic, _): Issue.record("unexpected unknown topic \(topic)")
            }
            #expect(delivery.key.map { String(decoding: $0, as: UTF8.self) } != nil)
        }
        await harness.producer.shutdown()
    }

    @Test func poisonRecordIsDeadLetteredAndTheNextStillProcessed() async throws {
        let harness = try BridgeHarness()
        try harness.cluster.createTopic("malomo.consumer-dead-letter", partitions: 1)
        try harness.cluster.createTopic("malomo.orders.created.single", partitions: 1)
        // Both on one partition, poison first.
        for value in [Array("{ not json".utf8), try Fixture.bytes("order.json")] {
            _ = try await harness.producer.send(
                KafkaProducerRecord(
                    topic: "malomo.orders.created",
                    key: Array("same-key".utf8),
                    value: value,
                    headers: [KafkaHeader(key: "malomo-topic", string: "orders:created")]
                )
            )
        }
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let deliveries = try await collect(consumer, count: 1)
        #expect(deliveries.count == 1)
        #expect(deliveries.first?.event.order?.number == "4821")
        let dead = try await harness.consume(topics: ["malomo.consumer-dead-letter"], count: 1)
        let record = try #require(dead.first)
        #expect(record.value == Array("{ not json".utf8))
        #expect(record.header("malomo-dead-letter-reason")?.stringValue == "invalid_json")
        #expect(record.header("malomo-source-topic")?.stringValue == "malomo.orders.created")
        await harness.producer.shutdown()
    }

    /// With `writesDeadLetters` off (as `malomo-events-tail` runs), an undecodable record is
    /// logged and skipped: nothing is written to the dead-letter topic and the partition moves on.
    @Test func withoutDeadLettersAnUndecodableRecordIsSkippedAndNothingIsWritten() async throws {
        let harness = try BridgeHarness()
        try harness.cluster.createTopic("malomo.consumer-dead-letter", partitions: 1)
        for value in [Array("{ not json".utf8), try Fixture.bytes("order.json")] {
            _ = try await harness.producer.send(
                KafkaProducerRecord(
                    topic: "malomo.orders.created",
                    key: Array("same-key".utf8),  // one partition, poison first
                    value: value,
                    headers: [KafkaHeader(key: "malomo-topic", string: "orders:created")]
                )
            )
        }
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        configuration.writesDeadLetters = false
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let deliveries = try await collect(consumer, count: 1)
        #expect(deliveries.map { $0.event.order?.number } == ["4821"])
        let probe = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [harness.cluster.bootstrapServers], groupID: "probe", topics: []),
            logger: harness.logger
        )
        let marks = try await probe.watermarks(topic: "malomo.consumer-dead-letter")
        #expect(!marks.isEmpty && marks.allSatisfy { $0.high == 0 }, "nothing dead-lettered: \(marks)")
        await probe.close()
        await harness.producer.shutdown()
    }

    /// Records no bridge would write, straight to Kafka: numbers of any magnitude where
    /// timestamps go, deep nesting, invalid UTF-8, empty and `null` bodies. Each either decodes
    /// or is dead-lettered; the consumer never traps and reaches the good record behind them.
    @Test func hostileRecordsNeverStopTheConsumer() async throws {
        let harness = try BridgeHarness()
        try harness.cluster.createTopic("malomo.consumer-dead-letter", partitions: 1)
        let decodable = [
            #"{"id":"o1","created_at":1e19}"#, #"{"id":"o2","created_at":-1e19,"updated_at":1e400}"#,
            #"{"id":"o3","created_at":9223372036854775807,"updated_at":-9223372036854775808}"#,
            #"{"id":"o4","created_at":"1e19","shipments":[{"id":"s","delivered_at":123456789012345678901234567890}]}"#,
        ].map { Array($0.utf8) }
        let undecodable: [[UInt8]] = [
            [], Array("null".utf8), Array(String(repeating: "[", count: 100_000).utf8), [0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D],
            Array(#"{"number":"no id"}"#.utf8), Array(#"{"id":1e400}"#.utf8),
        ]
        let good = try Fixture.bytes("order.json")
        for value in decodable + undecodable + [good] {
            _ = try await harness.producer.send(
                KafkaProducerRecord(
                    topic: "malomo.orders.created",
                    key: Array("same-key".utf8),  // one partition: each must be passed for the next
                    value: value,
                    headers: [KafkaHeader(key: "malomo-topic", string: "orders:created")]
                )
            )
        }
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let deliveries = try await collect(consumer, count: decodable.count + 1)
        #expect(deliveries.map(\.rawValue) == decodable + [good])
        #expect(deliveries.first?.event.order?.createdAt?.rawValue == "1e+19")
        #expect(deliveries[2].event.order?.createdAt?.rawValue == "9223372036854775807")
        let dead = try await harness.consume(topics: ["malomo.consumer-dead-letter"], count: undecodable.count)
        #expect(dead.map(\.value) == undecodable)
        #expect(
            dead.map { $0.header("malomo-dead-letter-reason")?.stringValue }
                == ["invalid_json", "unexpected_shape", "invalid_json", "invalid_json", "missing_field", "missing_field"]
        )
        await harness.producer.shutdown()
    }

    /// An undecodable record larger than librdkafka's default message.max.bytes (a bridge with a
    /// 2 MiB MAX_BODY_BYTES writes such records) is dead-lettered whole, and its partition moves on.
    @Test func anOversizedUndecodableRecordIsDeadLettered() async throws {
        let harness = try BridgeHarness()
        try harness.cluster.createTopic("malomo.consumer-dead-letter", partitions: 1)
        var large = KafkaProducerConfiguration(bootstrapServers: [harness.cluster.bootstrapServers])
        large.additionalProperties = ["message.max.bytes": "2000000"]
        let producer = try KafkaProducer(configuration: large, logger: harness.logger)
        let huge = Array(#"{"note":""#.utf8) + [UInt8](repeating: 0x61, count: 1_200_000) + Array(#""}"#.utf8)
        let good = try Fixture.bytes("order.json")
        for value in [huge, good] {
            _ = try await producer.send(
                KafkaProducerRecord(
                    topic: "malomo.orders.created",
                    key: Array("same-key".utf8),  // one partition: the good record waits for the huge one
                    value: value,
                    headers: [KafkaHeader(key: "malomo-topic", string: "orders:created")]
                )
            )
        }
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let deliveries = try await collect(consumer, count: 1)
        #expect(deliveries.map(\.rawValue) == [good])
        let dead = try await harness.consume(topics: ["malomo.consumer-dead-letter"], count: 1)
        #expect(dead.first?.value == huge)
        #expect(dead.first?.header("malomo-dead-letter-reason")?.stringValue == "missing_field")
        await producer.shutdown()
        await harness.producer.shutdown()
    }

    @Test func restartMidStreamSkipsNothing() async throws {
        let harness = try BridgeHarness()
        let total = 30
        for index in 0..<total {
            _ = try await harness.producer.send(
                KafkaProducerRecord(
                    topic: "malomo.orders.updated",
                    key: Array("k\(index % 5)".utf8),
                    value: Array(#"{"id":"order-\#(index)","number":"\#(index)"}"#.utf8),
                    headers: [KafkaHeader(key: "malomo-event-id", string: "event-\(index)")]
                )
            )
        }
        var configuration = consumerConfiguration(harness, group: "restart-\(UUID().uuidString)")
        configuration.topics = [.ordersUpdated]
        configuration.commitEveryRecords = 3
        let first = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let firstBatch = try await collect(first, count: 11)
        #expect(firstBatch.count == 11)
        let second = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        // Read everything the second gets (no count to stop at), so a replay would show.
        let secondBatch = try await collect(second, count: .max, timeout: .seconds(12))
        let seen = Set((firstBatch + secondBatch).compactMap { $0.event.order?.id })
        #expect(
            seen.count == total,
            "every record processed at least once; missing: \(Set((0..<total).map { "order-\($0)" }).subtracting(seen).sorted())"
        )
        // The second consumer resumed from the committed offsets: no wholesale replay.
        #expect(secondBatch.count <= total - 11 + 3)
        await harness.producer.shutdown()
    }

    /// Writes `count` order records to one partition of `topic` (one key).
    func produce(_ harness: BridgeHarness, _ count: Int, topic: String = "malomo.orders.created", from start: Int = 0) async throws {
        for index in start..<(start + count) {
            _ = try await harness.producer.send(
                KafkaProducerRecord(
                    topic: topic,
                    key: Array("one-partition".utf8),
                    value: Array(#"{"id":"order-\#(index)"}"#.utf8),
                    headers: [KafkaHeader(key: "malomo-event-id", string: "event-\(index)-\(UUID().uuidString)")]
                )
            )
        }
    }

    /// The committed offset of the partition the records of `produce` went to.
    func committed(_ consumer: MalomoEventConsumer, partition: Int32, topic: String = "malomo.orders.created") async throws -> Int64? {
        try await consumer.committedOffsets([KafkaTopicPartition(topic: topic, partition: partition)]).values.first
    }

    /// With `deliveries`/`next()`, asking for the next record does not mark the previous one:
    /// a caller that catches its failure and iterates on never commits the record that failed.
    @Test func iteratingOnAfterAFailureNeverCommitsTheFailedRecord() async throws {
        let harness = try BridgeHarness()
        try await produce(harness, 3)
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        var seen: [MalomoDelivery] = []
        for try await delivery in consumer.deliveries {
            seen.append(delivery)
            // The first fails (not marked); the others succeed.
            if seen.count > 1 { consumer.markProcessed(delivery) }
            if seen.count == 3 { break }
        }
        try await consumer.commitProcessed()
        let partition = seen[0].partition
        #expect(try await committed(consumer, partition: partition) ?? -1 < seen[0].offset + 1, "the failed record must not be committed")
        consumer.markProcessed(seen[0])
        try await consumer.commitProcessed()
        #expect(try await committed(consumer, partition: partition) == seen[2].offset + 1)
        await consumer.close()
        await harness.producer.shutdown()
    }

    struct HandlerFailure: Error {}

    /// `run(handler:)`: a handler that throws ends `run` with its error; the records before it
    /// are committed and the failed one is the first a new member of the group gets.
    @Test(.timeLimit(.minutes(2))) func aThrowingHandlerStopsAndItsRecordIsRedelivered() async throws {
        let harness = try BridgeHarness()
        try await produce(harness, 3)
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let first = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let handled = Mutex<[MalomoDelivery]>([])
        await #expect(throws: HandlerFailure.self) {
            try await first.run { delivery in
                let count = handled.withLock {
                    $0.append(delivery)
                    return $0.count
                }
                if count == 2 { throw HandlerFailure() }
            }
        }
        let seen = handled.withLock { $0 }
        try #require(seen.count == 2)
        let second = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let again = try #require(try await second.next())
        #expect(again.offset == seen[1].offset && again.eventID == seen[1].eventID, "the failed record is redelivered first")
        #expect(try await committed(second, partition: again.partition) == seen[0].offset + 1)
        await second.close()
        await harness.producer.shutdown()
    }

    /// `MalomoEventConsumerService` in a `ServiceGroup`: graceful shutdown stops it and commits
    /// what its handler processed (the interval and count are out of reach here, so only the
    /// shutdown can have committed), and a handler's error ends the group with that error.
    @Test(.timeLimit(.minutes(2))) func theServiceCommitsOnGracefulShutdownAndFailsWithItsHandler() async throws {
        let harness = try BridgeHarness()
        try await produce(harness, 2)
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        configuration.commitInterval = .seconds(3600)
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let handled = Mutex<[MalomoDelivery]>([])
        let service = MalomoEventConsumerService(consumer: consumer) { delivery in handled.withLock { $0.append(delivery) } }
        let group = ServiceGroup(configuration: .init(services: [service], logger: harness.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + .seconds(30)
            while handled.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let seen = handled.withLock { $0 }
        try #require(seen.count == 2)
        let probe = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        #expect(try await committed(probe, partition: seen[1].partition) == seen[1].offset + 1)
        await probe.close()

        // A handler that throws: the group ends with its error (a service must not end quietly).
        try await produce(harness, 1, from: 10)
        let failing = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let failingGroup = ServiceGroup(
            configuration: .init(services: [MalomoEventConsumerService(consumer: failing) { _ in throw HandlerFailure() }], logger: harness.logger)
        )
        await #expect(throws: HandlerFailure.self) { try await failingGroup.run() }
        await harness.producer.shutdown()
    }

    /// An event id counts as seen only once a delivery of it was processed: a copy arriving
    /// while the first is unprocessed (it may yet fail) is delivered too; after the first is
    /// processed, further copies are skipped.
    @Test(.timeLimit(.minutes(1))) func theDuplicateFilterRemembersOnlyProcessedEvents() async throws {
        let harness = try BridgeHarness()
        for copy in 0..<3 {
            _ = try await harness.producer.send(
                KafkaProducerRecord(
                    topic: "malomo.orders.created",
                    key: Array("one-partition".utf8),
                    value: Array(#"{"id":"order-dup","copy":\#(copy)}"#.utf8),
                    headers: [KafkaHeader(key: "malomo-event-id", string: "the-same-event")]
                )
            )
        }
        try await produce(harness, 1, from: 100)  // a different event after the copies
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let first = try #require(try await consumer.next())
        let second = try #require(try await consumer.next())
        #expect(second.eventID == first.eventID && second.offset == first.offset + 1, "the unprocessed first does not hide the copy")
        consumer.markProcessed(second)
        let next = try #require(try await consumer.next())
        #expect(next.eventID != first.eventID, "the third copy is skipped once a copy was processed")
        await consumer.close()
        await harness.producer.shutdown()
    }

    /// A failed commit keeps its positions: the next commit still covers them.
    @Test func aFailedCommitKeepsItsPositions() async throws {
        let harness = try BridgeHarness()
        try await produce(harness, 2)
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let first = try #require(try await consumer.next())
        consumer.markProcessed(first)
        // OffsetCommit (API key 8) refused once, as a coordinator would.
        harness.cluster.failNextRequests(apiKey: 8, with: [30])
        await #expect(throws: KafkaError.self) { try await consumer.commitProcessed() }
        try await consumer.commitProcessed()
        #expect(try await committed(consumer, partition: first.partition) == first.offset + 1)
        await consumer.close()
        await harness.producer.shutdown()
    }

    /// Processed offsets are committed on time even when no further record arrives.
    @Test func anIdlePartitionIsCommittedWithinTheCommitInterval() async throws {
        let harness = try BridgeHarness()
        try await produce(harness, 1)
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        configuration.commitInterval = .milliseconds(300)
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let processed = LastDelivery()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await consumer.run { delivery in processed.value.withLock { $0 = delivery } }
            }
            let deadline = ContinuousClock.now + .seconds(20)
            var committedOffset: Int64? = nil
            while ContinuousClock.now < deadline {
                if let delivery = processed.value.withLock({ $0 }) {
                    committedOffset = try await self.committed(consumer, partition: delivery.partition)
                    if committedOffset == delivery.offset + 1 { break }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let delivery = try #require(processed.value.withLock { $0 })
            #expect(committedOffset == delivery.offset + 1, "committed while idle, before any close")
            consumer.stop()
            try await group.waitForAll()
        }
        await harness.producer.shutdown()
    }

    /// A rebalance takes a partition away: what was processed of it is committed first, a late
    /// mark is ignored, and nothing from before the rebalance moves the new owner's offset back.
    @Test func revokedPartitionsAreCommittedThenForgotten() async throws {
        let harness = try BridgeHarness()
        // Two partitions, records in both: whichever the newcomer gets, it held processed records.
        let prefix = "rebalance-\(UUID().uuidString.prefix(8))."
        let topic = MalomoTopic.ordersUpdated.kafkaTopic(prefix: prefix)
        try harness.cluster.createTopic(topic, partitions: 2)
        for index in 0..<20 {
            _ = try await harness.producer.send(
                KafkaProducerRecord(topic: topic, key: Array("key-\(index)".utf8), value: Array(#"{"id":"order-\#(index)"}"#.utf8))
            )
        }
        var configuration = consumerConfiguration(harness, group: "rebalance-\(UUID().uuidString)")
        configuration.topics = [.ordersUpdated]
        configuration.topicPrefix = prefix
        configuration.commitInterval = .seconds(3600)  // commits only when the test or a rebalance asks
        configuration.commitEveryRecords = 1000
        configuration.duplicateFilter = nil
        let first = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        // Process the first record of each partition; leave the rest unprocessed.
        var firstProcessed: [Int32: Int64] = [:]
        var unprocessed: [MalomoDelivery] = []
        while firstProcessed.count < 2, unprocessed.count < 20, let delivery = try await first.next() {
            if firstProcessed[delivery.partition] == nil {
                first.markProcessed(delivery)
                firstProcessed[delivery.partition] = delivery.offset
            } else {
                unprocessed.append(delivery)
            }
        }
        #expect(firstProcessed.count == 2, "records in both partitions")
        // The first member keeps polling (so it takes part in the rebalance), marking nothing.
        let polling = Task {
            var more: [MalomoDelivery] = []
            while let delivery = try await first.next() { more.append(delivery) }
            return more
        }
        let second = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let taken = try await withThrowingTaskGroup(of: MalomoDelivery?.self) { tasks in
            tasks.addTask { try await second.next() }
            tasks.addTask {
                try await Task.sleep(for: .seconds(40))
                return nil
            }
            let result = try await tasks.next()!
            tasks.cancelAll()
            return result
        }
        first.stop()
        unprocessed += try await polling.value
        let moved = try #require(taken, "no partition moved to the second member")
        // At the revocation the first member tried to commit what it had processed there. (The
        // mock broker refuses commits while a rebalance is in progress, REBALANCE_IN_PROGRESS, so
        // the record is redelivered: at least once.) Never is anything skipped.
        let processedThere = try #require(firstProcessed[moved.partition])
        #expect(moved.offset <= processedThere + 1, "resumed at \(moved.offset), after the first unprocessed record")
        // The new owner processes past the old owner's position and commits.
        var last = moved
        second.markProcessed(moved)
        while last.offset < processedThere + 3, let delivery = try await second.next() {
            if delivery.partition == moved.partition { last = delivery }
            second.markProcessed(delivery)
        }
        try await second.commitProcessed()
        #expect(try await committed(second, partition: moved.partition, topic: topic) == last.offset + 1)
        // The old owner's late marks and commit must not move that offset back to its own
        // position from before the rebalance.
        for delivery in unprocessed { first.markProcessed(delivery) }
        try? await first.commitProcessed()
        #expect(try await committed(second, partition: moved.partition, topic: topic) == last.offset + 1)
        await first.close()
        await second.close()
        await harness.producer.shutdown()
    }

    /// Every call after close() is answered at once.
    @Test(.timeLimit(.minutes(1))) func callsAfterCloseAreAnswered() async throws {
        let harness = try BridgeHarness()
        try await produce(harness, 1)
        var configuration = consumerConfiguration(harness)
        configuration.topics = [.ordersCreated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: harness.logger)
        let delivery = try #require(try await consumer.next())
        await consumer.close()
        consumer.markProcessed(delivery)
        #expect(try await consumer.next() == nil)
        // close() revoked the partitions, so there is nothing left to commit; it returns at once.
        try await consumer.commitProcessed()
        await #expect(throws: KafkaError.self) {
            _ = try await consumer.committedOffsets([KafkaTopicPartition(topic: "malomo.orders.created", partition: 0)])
        }
        await consumer.close()
        await harness.producer.shutdown()
    }

    @Test func duplicateFilterBoundsAndExpiry() {
        var filter = DuplicateFilter(configuration: .init(capacity: 3, timeToLive: .seconds(10)))
        let start = ContinuousClock.now
        var results: [Bool] = []
        results.append(filter.isDuplicate("a", now: start))
        results.append(filter.isDuplicate("a", now: start + .seconds(1)))
        for id in ["b", "c", "d"] { results.append(filter.isDuplicate(id, now: start + .seconds(2))) }
        let countAtCapacity = filter.count
        // The oldest id ("a") was evicted at capacity, so it is new again.
        results.append(filter.isDuplicate("a", now: start + .seconds(3)))
        #expect(results == [false, true, false, false, false, false])
        #expect(countAtCapacity == 3)
        #expect(filter.count <= 3)

        // Expiry on its own, far below capacity: remembered until its TTL, new after it.
        var ttl = DuplicateFilter(configuration: .init(capacity: 100, timeToLive: .seconds(10)))
        let first = ttl.isDuplicate("x", now: start)
        let within = ttl.isDuplicate("x", now: start + .seconds(9))
        let after = ttl.isDuplicate("x", now: start + .seconds(21))
        #expect([first, within, after] == [false, true, false], "new, within the TTL, after it")
    }
}

/// The last delivery a handler saw, shared with the test's task.
final class LastDelivery: Sendable {
    let value = Mutex<MalomoDelivery?>(nil)
}
