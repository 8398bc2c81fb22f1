import Logging
import Testing

@testable import KafkaWire

@Suite struct KafkaConsumerConfigurationTests {
    let logger = Logger(label: "test")

    func configuration(_ properties: [String: String]) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["127.0.0.1:1"], groupID: "commits", topics: [])
        configuration.additionalProperties = properties
        return configuration
    }

    /// Automatic commits with automatic offset stores commit every polled record, processed or
    /// not: a consumer that would do so does not start, and the error names the property.
    @Test(arguments: [
        ["enable.auto.commit": "true"],
        ["enable.auto.offset.store": "true"],
        ["enable.auto.commit": "T", "enable.auto.offset.store": "1"],
        ["enable.auto.commit": " true "],
    ])
    func automaticCommitsAreRefused(properties: [String: String]) async throws {
        do {
            let consumer = try KafkaConsumer(configuration: self.configuration(properties), logger: self.logger)
            await consumer.close()
            Issue.record("expected \(properties) to be refused")
        } catch {
            #expect(error.code == .configuration)
            let named = properties.keys.contains { error.reason.contains($0) }
            #expect(named, "the error names the property: \(error.reason)")
        }
    }

    /// Spelled false, the two properties say what the consumer does anyway.
    @Test func explicitFalseIsAccepted() async throws {
        let consumer = try KafkaConsumer(
            configuration: self.configuration(["enable.auto.commit": "false", "enable.auto.offset.store": "F"]),
            logger: self.logger
        )
        await consumer.close()
    }
}
