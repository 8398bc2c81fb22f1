import KafkaWire
import Logging

/// Reads one topic in a consumer group from the group's position (or the beginning) up to
/// the end the topic had when reading started, then stops: a bounded pass over the records,
/// not a tail.
struct TopicReader: Sendable {
    /// Brokers and connection properties (TLS, SASL).
    var bootstrapServers: [String]
    var connectionProperties: [String: String]
    /// Stop when no record came for this long while some partition was not read to its end.
    var idleTimeout: Duration = .seconds(30)
    var logger: Logger

    /// What a pass saw.
    struct Pass: Sendable {
        /// Records handled.
        var read = 0
        /// Whether every partition was read to its end (false: the idle timeout ended it).
        var complete = true
        /// Whether the topic exists (a missing one is read as empty).
        var topicExists = true
    }

    /// Reads `topic` in `group`, calling `handle` for each record in offset order per partition.
    /// - Parameter commit: Commit the records `handle` returned from (every 100, at the end, and
    ///   before rethrowing its error), so a re-run starts after them. Without it the group's
    ///   position never moves.
    func read(
        topic: String,
        group: String,
        commit: Bool,
        handle: (KafkaConsumerMessage) async throws -> Void
    ) async throws -> Pass {
        // No subscription: the partitions are assigned by hand, so a read never waits for a group
        // rebalance (the group only keeps the committed positions).
        var configuration = KafkaConsumerConfiguration(bootstrapServers: self.bootstrapServers, groupID: group, topics: [])
        configuration.clientID = "malomo-admin"
        configuration.sessionTimeout = .seconds(10)
        configuration.additionalProperties = self.connectionProperties
        let consumer = try KafkaConsumer(configuration: configuration, logger: self.logger)
        do {
            let pass = try await self.read(consumer: consumer, topic: topic, commit: commit, handle: handle)
            await consumer.close()
            return pass
        } catch {
            await consumer.close()
            throw error
        }
    }

    private func read(
        consumer: KafkaConsumer,
        topic: String,
        commit: Bool,
        handle: (KafkaConsumerMessage) async throws -> Void
    ) async throws -> Pass {
        let marks = try await consumer.watermarks(topic: topic)
        var pass = Pass()
        guard !marks.isEmpty else {
            pass.topicExists = false
            return pass
        }
        let committed = try await consumer.committedOffsets(marks.map { KafkaTopicPartition(topic: topic, partition: $0.partition) })
        var end: [Int32: Int64] = [:]
        var starts: [KafkaTopicPartition: Int64] = [:]
        for mark in marks {
            let start = max(committed[KafkaTopicPartition(topic: topic, partition: mark.partition)] ?? -1, mark.low)
            if start < mark.high {
                end[mark.partition] = mark.high
                starts[KafkaTopicPartition(topic: topic, partition: mark.partition)] = start
            }
        }
        guard !starts.isEmpty else { return pass }
        try await consumer.assign(starts)
        var handled: [KafkaConsumerMessage] = []
        do {
            try await self.drain(consumer, until: &end, pass: &pass, handled: &handled, commit: commit, handle: handle)
        } catch {
            if commit { try? await consumer.commit(handled) }
            throw error
        }
        if commit { try await consumer.commit(handled) }
        return pass
    }

    private func drain(
        _ consumer: KafkaConsumer,
        until end: inout [Int32: Int64],
        pass: inout Pass,
        handled: inout [KafkaConsumerMessage],
        commit: Bool,
        handle: (KafkaConsumerMessage) async throws -> Void
    ) async throws {
        var lastProgress = ContinuousClock.now
        while !end.isEmpty {
            switch try await consumer.poll(timeout: .seconds(1)) {
            case .closed:
                pass.complete = false
                end = [:]
            case .timedOut:
                if ContinuousClock.now - lastProgress > self.idleTimeout {
                    self.logger.warning("Stopped before the end of some partitions", metadata: ["partitions": "\(end.keys.sorted())"])
                    pass.complete = false
                    end = [:]
                }
            case .message(let message):
                guard let high = end[message.partition], message.offset < high else { continue }
                lastProgress = ContinuousClock.now
                try await handle(message)
                pass.read += 1
                handled.append(message)
                if message.offset >= high - 1 { end[message.partition] = nil }
                if commit, handled.count >= 100 {
                    try await consumer.commit(handled)
                    handled.removeAll()
                }
            }
        }
    }
}
