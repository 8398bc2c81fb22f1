import Foundation
import KafkaWire
import Logging
import MalomoContract

/// `malomo-mock-kafka`: librdkafka's mock cluster (real Kafka protocol on loopback, data in
/// memory) as a process of its own, for benchmarks and local tests where the broker must not
/// share the bridge's process. Creates the Malomo topics and the dead-letter topics, prints
/// `bootstrap.servers=<list>` on standard output, and runs until it is signalled.
///
/// Usage: `malomo-mock-kafka [--brokers N] [--partitions N]` (3 and 3 by default).
@main
struct MalomoMockKafkaMain {
    static func main() async {
        var brokers = 3
        var partitions: Int32 = 3
        var arguments = Array(CommandLine.arguments.dropFirst())[...]
        while let flag = arguments.popFirst() {
            guard ["--brokers", "--partitions"].contains(flag), let text = arguments.popFirst(), let value = Int(text), (1...64).contains(value)
            else {
                FileHandle.standardError.write(Data("malomo-mock-kafka: usage: malomo-mock-kafka [--brokers 1-64] [--partitions 1-64]\n".utf8))
                exit(2)
            }
            if flag == "--brokers" { brokers = value } else { partitions = Int32(value) }
        }
        var logger = Logger(label: "malomo-mock-kafka")
        logger.logLevel = .warning
        do {
            let cluster = try MockKafkaCluster(brokerCount: brokers, logger: logger)
            let prefix = MalomoContractDefaults.topicPrefix
            let topics =
                MalomoTopic.known.map { $0.kafkaTopic(prefix: prefix) }
                + [MalomoContractDefaults.deadLetterTopic, MalomoContractDefaults.consumerDeadLetterTopic]
            for topic in topics {
                try cluster.createTopic(topic, partitions: partitions, replicationFactor: Int32(min(3, brokers)))
            }
            FileHandle.standardOutput.write(Data("bootstrap.servers=\(cluster.bootstrapServers)\n".utf8))
            while true { try await Task.sleep(for: .seconds(3600)) }
        } catch {
            FileHandle.standardError.write(Data("malomo-mock-kafka: \(error)\n".utf8))
            exit(1)
        }
    }
}
