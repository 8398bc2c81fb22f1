import Foundation
import KafkaWire
import Logging
import MalomoContract
import MalomoWebhookCore

/// `dead-letters redrive`: moves the dead letters that the current routing rules accept
/// (e.g. after a topic was added to `MALOMO_ALLOWED_TOPICS`) to their Kafka topic.
///
/// Each redriven record carries the dead letter's value, key and headers, without
/// `malomo-dead-letter-reason` and with `malomo-redriven-from: <topic>/<partition>/<offset>`,
/// written by an idempotent producer with `acks=all`; a record counts as redriven only once
/// the broker acknowledged it at an offset.
///
/// Progress is committed per Malomo topic, in the consumer group `<group>.<topic>` (e.g.
/// `malomo-admin-redrive.orders.created`): a re-run starts after what an earlier run moved,
/// and a topic that is still not allowed keeps its whole history for the day it is. Copies can
/// still repeat, each with the original `malomo-event-id` (consumers drop them): after a crash
/// between the broker's acknowledgement and the commit (at most 100 records); when two runs
/// overlap; and once Kafka expired the groups' offsets (`offsets.retention.minutes`, 7 days by
/// default, for a group without members), when a later run starts from the beginning again.
public struct DeadLetterRedrive: Sendable {
    /// What to redrive.
    public struct Options: Sendable {
        /// The dead-letter topic (`KAFKA_DEAD_LETTER_TOPIC`).
        public var deadLetterTopic: String
        /// The bridge's routing rules.
        public var router: WebhookRouter
        /// Only these Malomo topics; `nil`: every topic the router accepts.
        public var topics: Set<MalomoTopic>?
        /// Count what would move, move nothing, commit nothing.
        public var dryRun = false
        /// The consumer groups' common prefix.
        public var group = "malomo-admin-redrive"

        /// Creates options.
        public init(deadLetterTopic: String, router: WebhookRouter) {
            self.deadLetterTopic = deadLetterTopic
            self.router = router
        }
    }

    /// What a redrive did.
    public struct Report: Sendable, Codable, Equatable {
        /// Records moved (or, in a dry run, that would move), by Kafka topic.
        public var redriven: [String: Int] = [:]
        /// Routable records skipped because their Malomo topic was not requested, by topic.
        public var notRequested: [String: Int] = [:]
        /// Records left in the dead-letter topic, by why: the router's reason, or
        /// `consumer_dead_letter` / `not_from_the_bridge`.
        public var left: [String: Int] = [:]
        /// Whether it was a dry run.
        public var dryRun = false

        enum CodingKeys: String, CodingKey {
            case redriven
            case notRequested = "not_requested"
            case left
            case dryRun = "dry_run"
        }

        /// Records moved in all.
        public var redrivenCount: Int { self.redriven.values.reduce(0, +) }
    }

    let kafka: AdminKafka
    let logger: Logger
    let say: @Sendable (String) -> Void

    /// Creates a redrive that reports progress through `say`.
    public init(kafka: AdminKafka, logger: Logger, say: @escaping @Sendable (String) -> Void) {
        self.kafka = kafka
        self.logger = logger
        self.say = say
    }

    /// Runs it.
    public func run(_ options: Options) async throws -> Report {
        var report = Report(dryRun: options.dryRun)
        // First a read-only pass over everything: which topics are routable now, what stays.
        var routableTopics: Set<MalomoTopic> = []
        let reader = self.kafka.reader(logger: self.logger)
        let scan = try await reader.read(
            topic: options.deadLetterTopic,
            group: "malomo-admin-scan-\(UUID().uuidString.prefix(8).lowercased())",
            commit: false
        ) { record in
            switch DeadLetterVerdict.of(record, router: options.router) {
            case .routable(_, let topic):
                if options.topics?.contains(topic) ?? true {
                    routableTopics.insert(topic)
                } else {
                    report.notRequested[topic.rawValue, default: 0] += 1
                }
            case .unroutable(let reason): report.left[reason.rawValue, default: 0] += 1
            case .consumerDeadLetter: report.left["consumer_dead_letter", default: 0] += 1
            case .foreign: report.left["not_from_the_bridge", default: 0] += 1
            }
        }
        if !scan.topicExists {
            self.say("\(options.deadLetterTopic) does not exist: no dead letter was written yet, or KAFKA_DEAD_LETTER_TOPIC names another")
        }
        guard scan.complete else {
            throw AdminError("could not read \(options.deadLetterTopic) to its end (a partition leader unreachable?): nothing was redriven")
        }
        guard !routableTopics.isEmpty else { return report }
        let producer: KafkaProducer? = options.dryRun ? nil : try self.kafka.producer(logger: self.logger)
        do {
            for topic in routableTopics.sorted() {
                let group = "\(options.group).\(topic.dotted)"
                var moved = 0
                let pass = try await reader.read(topic: options.deadLetterTopic, group: group, commit: !options.dryRun) { record in
                    guard case .routable(let kafkaTopic, let recordTopic) = DeadLetterVerdict.of(record, router: options.router),
                        recordTopic == topic
                    else { return }
                    if let producer { try await Self.send(record, to: kafkaTopic, through: producer) }
                    report.redriven[kafkaTopic, default: 0] += 1
                    moved += 1
                }
                if !pass.complete {
                    throw AdminError(
                        "could not read \(options.deadLetterTopic) to its end for \(topic); \(moved) records were redriven and committed: run again to go on"
                    )
                }
                self.say(
                    "\(options.dryRun ? "would redrive" : "redriven") \(moved) \(topic) dead letters to \(topic.kafkaTopic(prefix: options.router.topicPrefix)) (group \(group))"
                )
            }
        } catch {
            await producer?.shutdown()
            throw error
        }
        await producer?.shutdown()
        return report
    }

    static func send(_ record: KafkaConsumerMessage, to topic: String, through producer: KafkaProducer) async throws {
        var headers = record.headers.filter { $0.key != MalomoRecordHeader.deadLetterReason }
        headers.append(KafkaHeader(key: MalomoRecordHeader.redrivenFrom, value: Array("\(record.topic)/\(record.partition)/\(record.offset)".utf8)))
        let report = try await producer.send(topic: topic, key: record.key, value: record.value, headers: headers)
        guard report.offset >= 0 else {
            throw AdminError(
                "the broker acknowledged the copy of \(record.topic)/\(record.partition)/\(record.offset) without an offset: run again (consumers drop a duplicate by event id)"
            )
        }
    }
}
