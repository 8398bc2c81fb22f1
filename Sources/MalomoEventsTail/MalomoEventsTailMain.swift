import ArgumentParser
import Foundation
import Logging
import MalomoConsumer
import MalomoModels
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `malomo-events-tail`: prints the bridge's events, decoded, one line each.
@main
struct MalomoEventsTailMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "malomo-events-tail",
        abstract: "Consumes the topics malomo-bridge writes and prints each event decoded, one line each.",
        discussion: """
            Without --group a fresh group reads from the beginning. Ctrl-C commits what was printed and exits. \
            Nothing is written to Kafka but the group's offsets: an undecodable record is reported on standard error and skipped.
            """
    )

    @Option(help: "Kafka bootstrap servers, HOST:PORT[,…] (default: $KAFKA_BROKERS).") var brokers: String?
    @Option(help: "The consumer group (default: a fresh one, malomo-events-tail-<random>).") var group: String?
    @Option(help: "Malomo topics to read, e.g. orders:created,orders:updated (default: the seven documented).") var topics: String?
    @Option(help: "The Kafka topic prefix the bridge writes with.") var prefix: String?
    @Flag(help: "One JSON object per event instead of text.") var json = false
    @Option(help: "Exit after this many events.") var max: Int?

    /// Usage errors are exit 2, as every bad input of this project's executables.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            fail(message)
        }
    }

    func validate() throws {
        if let max = self.max, max <= 0 { throw ValidationError("--max needs a positive number") }
        if let topics = self.topics {
            for name in topics.split(separator: ",") where MalomoTopic(String(name)) == nil {
                throw ValidationError("malformed topic '\(name)' (expected resource:action)")
            }
        }
    }

    func run() async {
        guard let brokers = self.brokers ?? ProcessInfo.processInfo.environment["KAFKA_BROKERS"] else {
            Self.fail("--brokers (or KAFKA_BROKERS) is required")
        }
        var configuration = MalomoConsumerConfiguration(
            bootstrapServers: brokers.split(separator: ",").map(String.init),
            groupID: self.group ?? "malomo-events-tail-\(UUID().uuidString.prefix(8))"
        )
        if let topics = self.topics { configuration.topics = topics.split(separator: ",").compactMap { MalomoTopic(String($0)) } }
        if let prefix = self.prefix { configuration.topicPrefix = prefix }
        // A tool that looks writes nothing: no dead letter per run (each under a throwaway group),
        // and no need for the right to write the dead-letter topic. Undecodable records are
        // logged on standard error and skipped.
        configuration.writesDeadLetters = false
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let logger = Logger(label: "malomo-events-tail")
        do {
            let consumer = try MalomoEventConsumer(configuration: configuration, logger: logger)
            let printed = Atomic<Int>(0)
            let asJSON = self.json
            let limit = self.max
            let service = MalomoEventConsumerService(consumer: consumer) { delivery in
                let line = asJSON ? EventLine.json(delivery) : EventLine.text(delivery)
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                let count = printed.add(1, ordering: .relaxed).newValue
                if let limit, count >= limit { consumer.stop() }
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            try await group.run()
        } catch {
            Self.fail("\(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("malomo-events-tail: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
