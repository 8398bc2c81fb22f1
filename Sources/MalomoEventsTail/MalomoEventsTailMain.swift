import Foundation
import Logging
import MalomoConsumer
import MalomoModels
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `malomo-events-tail`: prints the bridge's events, decoded, one line each.
@main
struct MalomoEventsTailMain {
    static let usage = """
        USAGE: malomo-events-tail --brokers HOST:PORT[,…] [--group ID] [--topics orders:created,…]
                                  [--prefix malomo.] [--json] [--max N]

        Consumes the topics malomo-bridge writes and prints each event decoded, one line each.
        --brokers defaults to $KAFKA_BROKERS. Without --group a fresh group reads from the beginning.
        --max N exits after N events. Ctrl-C commits what was printed and exits.
        """

    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var options: [String: String] = [:]
        var json = false
        while !arguments.isEmpty {
            let flag = arguments.removeFirst()
            switch flag {
            case "--json": json = true
            case "--help", "-h":
                print(usage)
                return
            case "--brokers", "--group", "--topics", "--prefix", "--max":
                guard !arguments.isEmpty else { fail("\(flag) needs a value") }
                options[flag] = arguments.removeFirst()
            default: fail("unknown argument '\(flag)' (see --help)")
            }
        }
        guard let brokers = options["--brokers"] ?? ProcessInfo.processInfo.environment["KAFKA_BROKERS"] else {
            fail("--brokers (or KAFKA_BROKERS) is required")
        }
        var configuration = MalomoConsumerConfiguration(
            bootstrapServers: brokers.split(separator: ",").map(String.init),
            groupID: options["--group"] ?? "malomo-events-tail-\(UUID().uuidString.prefix(8))"
        )
        if let topics = options["--topics"] {
            configuration.topics = topics.split(separator: ",").map { name in
                guard let topic = MalomoTopic(String(name)) else { fail("malformed topic '\(name)' (expected resource:action)") }
                return topic
            }
        }
        if let prefix = options["--prefix"] { configuration.topicPrefix = prefix }
        let limit = options["--max"].map { value -> Int in
            guard let number = Int(value), number > 0 else { fail("--max needs a positive number") }
            return number
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let logger = Logger(label: "malomo-events-tail")
        do {
            let consumer = try MalomoEventConsumer(configuration: configuration, logger: logger)
            let printed = Atomic<Int>(0)
            let asJSON = json
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
            fail("\(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("malomo-events-tail: \(message)\n".utf8))
        exit(2)
    }
}
