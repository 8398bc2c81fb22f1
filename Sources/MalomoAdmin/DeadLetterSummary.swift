import Foundation
import KafkaWire
import Logging
import MalomoContract

/// `dead-letters summary`: the dead-letter topic counted by reason and by Malomo topic.
public struct DeadLetterSummary: Sendable, Codable, Equatable {
    /// Records counted.
    public var total = 0
    /// By `malomo-dead-letter-reason` (`(none)` when missing).
    public var byReason: [String: Int] = [:]
    /// By `malomo-topic` (`(none)` when missing).
    public var byTopic: [String: Int] = [:]
    /// The oldest and newest record timestamp counted, milliseconds since the epoch.
    public var oldestMilliseconds: Int64?
    /// See ``oldestMilliseconds``.
    public var newestMilliseconds: Int64?
    /// False when reading stopped before the end of a partition (an unreachable leader).
    public var complete = true
    /// False when the topic does not exist (no dead letter written yet, or a wrong
    /// `KAFKA_DEAD_LETTER_TOPIC`).
    public var topicExists = true

    enum CodingKeys: String, CodingKey {
        case total
        case byReason = "by_reason"
        case byTopic = "by_topic"
        case oldestMilliseconds = "oldest_ms"
        case newestMilliseconds = "newest_ms"
        case complete
        case topicExists = "topic_exists"
    }

    /// Creates an empty summary.
    public init() {}

    mutating func count(_ record: KafkaConsumerMessage) {
        self.total += 1
        self.byReason[record.header(MalomoRecordHeader.deadLetterReason)?.stringValue ?? "(none)", default: 0] += 1
        self.byTopic[record.header(MalomoRecordHeader.malomoTopic)?.stringValue ?? "(none)", default: 0] += 1
        if let time = record.timestampMilliseconds {
            self.oldestMilliseconds = min(self.oldestMilliseconds ?? time, time)
            self.newestMilliseconds = max(self.newestMilliseconds ?? time, time)
        }
    }

    /// Counts the dead-letter topic's records (those written since `since`, if given) in a
    /// throwaway consumer group that commits nothing.
    public static func read(
        kafka: AdminKafka,
        deadLetterTopic: String,
        since: Duration?,
        logger: Logger
    ) async throws -> DeadLetterSummary {
        var summary = DeadLetterSummary()
        let cutoff = since.map { Int64(Date().timeIntervalSince1970 * 1000) - Int64($0.components.seconds) * 1000 }
        let pass = try await kafka.reader(logger: logger).read(
            topic: deadLetterTopic,
            group: "malomo-admin-summary-\(UUID().uuidString.prefix(8).lowercased())",
            commit: false
        ) { record in
            if let cutoff, let time = record.timestampMilliseconds, time < cutoff { return }
            summary.count(record)
        }
        summary.complete = pass.complete
        summary.topicExists = pass.topicExists
        return summary
    }

    /// The summary as aligned text.
    public var table: String {
        var lines = ["\(self.total) dead letters" + (self.complete ? "" : " (incomplete: some partitions could not be read to their end)")]
        if !self.topicExists {
            lines[0] += " (the topic does not exist: no dead letter was written yet, or KAFKA_DEAD_LETTER_TOPIC names another)"
        }
        func section(_ title: String, _ counts: [String: Int]) {
            guard !counts.isEmpty else { return }
            lines.append("")
            lines.append(title)
            let width = counts.keys.map(\.count).max() ?? 0
            for (key, count) in counts.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
                lines.append("  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(count)")
            }
        }
        section("by reason", self.byReason)
        section("by Malomo topic", self.byTopic)
        return lines.joined(separator: "\n")
    }
}
