import ArgumentParser
import Foundation
import KafkaWire
import MalomoAdmin
import MalomoBridge
import MalomoContract
import MalomoWebhookCore

/// `malomo-admin dead-letters …`.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Count and redrive the records in the dead-letter topic.",
        discussion:
            "Reads the bridge's settings from the environment: KAFKA_BROKERS, KAFKA_DEAD_LETTER_TOPIC, MALOMO_ALLOWED_TOPICS, the TLS and SASL settings.",
        subcommands: [SummarizeDeadLetters.self, RedriveDeadLetters.self]
    )
}

/// `dead-letters summary`.
struct SummarizeDeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "Count dead letters by reason and by Malomo topic.")

    @Option(help: "Only records written in this last span, e.g. 24h or 7d.") var since: String?
    @Flag(help: "One JSON object instead of a table.") var json = false
    @Flag(name: .shortAndLong, help: "Log librdkafka's progress to standard error.") var verbose = false

    func run() async {
        do {
            let since = try self.since.map { try AdminEnvironment.duration($0, setting: "--since") }
            let configuration = try AdminEnvironment.bridgeConfiguration()
            let kafka = AdminKafka(
                bootstrapServers: configuration.kafka.brokers,
                properties: configuration.producerConfiguration.additionalProperties
            )
            let summary = try await DeadLetterSummary.read(
                kafka: kafka,
                deadLetterTopic: configuration.webhook.router.deadLetterTopic,
                since: since,
                logger: AdminEnvironment.logger(verbose: self.verbose)
            )
            if self.json {
                try AdminEnvironment.sayJSON(summary)
            } else {
                AdminEnvironment.say(summary.table)
            }
        } catch {
            AdminEnvironment.fail(error)
        }
    }
}

/// `dead-letters redrive`.
struct RedriveDeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Copy the dead letters today's routing rules accept to their topic.",
        discussion: """
            E.g. after adding a topic to MALOMO_ALLOWED_TOPICS. Each copy keeps the value, key and \
            headers, drops malomo-dead-letter-reason and adds malomo-redriven-from. Progress is \
            committed per Malomo topic in the group malomo-admin-redrive.<topic>: a re-run starts \
            after what earlier runs copied (see docs/admin.md for when a copy can repeat). Dead \
            letters stay in their topic; those still unroutable are counted.
            """
    )

    @Option(help: "Only these Malomo topics (comma-separated).") var topics: String?
    @Flag(name: .customLong("dry-run"), help: "Count what would be copied; copy and commit nothing.") var dryRun = false
    @Flag(help: "One JSON object instead of text.") var json = false
    @Flag(name: .shortAndLong, help: "Log librdkafka's progress to standard error.") var verbose = false

    func run() async {
        do {
            let topics = try self.topics.map { try AdminEnvironment.topics($0).compactMap(MalomoTopic.init) }
            let configuration = try AdminEnvironment.bridgeConfiguration()
            let kafka = AdminKafka(
                bootstrapServers: configuration.kafka.brokers,
                properties: configuration.producerConfiguration.additionalProperties
            )
            var options = DeadLetterRedrive.Options(
                deadLetterTopic: configuration.webhook.router.deadLetterTopic,
                router: configuration.webhook.router
            )
            options.topics = topics.map(Set.init)
            options.dryRun = self.dryRun
            let json = self.json
            let redrive = DeadLetterRedrive(
                kafka: kafka,
                logger: AdminEnvironment.logger(verbose: self.verbose),
                say: { json ? FileHandle.standardError.write(Data(($0 + "\n").utf8)) : AdminEnvironment.say($0) }
            )
            let report = try await redrive.run(options)
            if self.json {
                try AdminEnvironment.sayJSON(report)
            } else {
                AdminEnvironment.say("\(self.dryRun ? "would redrive" : "redriven") \(report.redrivenCount) records")
                for (reason, count) in report.left.sorted(by: { $0.key < $1.key }) {
                    AdminEnvironment.say("left \(count) (\(reason))")
                }
                for (topic, count) in report.notRequested.sorted(by: { $0.key < $1.key }) {
                    AdminEnvironment.say("skipped \(count) routable \(topic) records (not in --topics)")
                }
            }
        } catch {
            AdminEnvironment.fail(error)
        }
    }
}
