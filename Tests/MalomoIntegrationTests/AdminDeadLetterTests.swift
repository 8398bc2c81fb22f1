import Foundation
import KafkaWire
import Logging
import MalomoContract
import MalomoTestSupport
import MalomoWebhookCore
import Testing

/// `malomo-admin dead-letters …` end to end: a real bridge dead-letters a topic it does not
/// allow yet; after the topic is allowed, the real binary moves those records, once.
@Suite struct AdminDeadLetterTests {
    static func consume(_ cluster: MockKafkaCluster, topic: String) async throws -> [KafkaConsumerMessage] {
        var logger = Logger(label: "admin-dead-letter-test")
        logger.logLevel = .error
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: [cluster.bootstrapServers],
                groupID: "check-\(UUID().uuidString)",
                topics: [topic]
            ),
            logger: logger
        )
        let high = try await consumer.watermarks(topic: topic).reduce(0) { $0 + $1.high }
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while messages.count < high, ContinuousClock.now < deadline {
            if case .message(let message) = try await consumer.poll(timeout: .milliseconds(500)) { messages.append(message) }
        }
        await consumer.close()
        return messages
    }

    @Test(.timeLimit(.minutes(3))) func summaryCountsAndRedriveMovesEachAllowedRecordOnce() async throws {
        let cluster = try AdminWebhookTests.cluster()
        let secret = "dead-letter-test-secret"
        let environment = [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": secret, "MALOMO_ALLOWED_TOPICS": "orders:created",
        ]
        let bridge = try await BridgeProcess(environment: environment)
        var accepted: [String: String] = [:]
        for index in 0..<5 {
            let body = #"{"id":"customer-\#(index)","email":"c\#(index)@example.com"}"#
            let bytes = Array(body.utf8)
            let headers = [
                ("Content-Type", "application/json"), ("Malomo-Topic", "customers:created"), ("Malomo-Webhook-Id", "wh-customers"),
                ("Malomo-Signature", WebhookSignatureVerifier.sign(body: bytes, secret: WebhookSecret(secret)!)),
            ]
            let response = try await RawHTTPClient.post(port: bridge.webhookPort, path: "/webhooks/malomo", headers: headers, body: bytes).get()
            #expect(response.status == 202)
            accepted[MalomoEventID.of(topic: "customers:created", body: bytes)] = body
        }
        // One that no rule will ever route: not JSON.
        let junk = Array("not json".utf8)
        let junkHeaders = [
            ("Malomo-Topic", "orders:created"), ("Malomo-Signature", WebhookSignatureVerifier.sign(body: junk, secret: WebhookSecret(secret)!)),
        ]
        #expect(
            try await RawHTTPClient.post(port: bridge.webhookPort, path: "/webhooks/malomo", headers: junkHeaders, body: junk).get().status == 202
        )
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)

        let summary = try await AdminProcess.run(["dead-letters", "summary", "--json"], api: nil, environment: environment)
        #expect(summary.status == 0, "\(summary.output)")
        let counted = try #require(try JSONSerialization.jsonObject(with: Data(summary.stdout.utf8)) as? [String: Any])
        #expect(counted["total"] as? Int == 6)
        #expect(counted["by_reason"] as? [String: Int] == ["topic_not_allowed": 5, "invalid_json": 1])
        #expect(counted["by_topic"] as? [String: Int] == ["customers:created": 5, "orders:created": 1])
        #expect(counted["complete"] as? Bool == true)
        let recent = try await AdminProcess.run(["dead-letters", "summary", "--since", "1h"], api: nil, environment: environment)
        #expect(recent.stdout.hasPrefix("6 dead letters"), "\(recent.stdout)")

        // The allow-list unchanged: nothing is routable, nothing moves, nothing is committed.
        let unchanged = try await AdminProcess.run(["dead-letters", "redrive", "--json"], api: nil, environment: environment)
        #expect(unchanged.status == 0, "\(unchanged.output)")
        let unchangedReport = try #require(try JSONSerialization.jsonObject(with: Data(unchanged.stdout.utf8)) as? [String: Any])
        #expect((unchangedReport["redriven"] as? [String: Int])?.isEmpty == true)
        #expect(unchangedReport["left"] as? [String: Int] == ["topic_not_allowed": 5, "invalid_json": 1])

        // Allowed (the default list): a dry run counts, then the redrive moves the five.
        var allowed = environment
        allowed["MALOMO_ALLOWED_TOPICS"] = nil
        let dry = try await AdminProcess.run(["dead-letters", "redrive", "--dry-run"], api: nil, environment: allowed)
        #expect(dry.status == 0 && dry.stdout.contains("would redrive 5 records"), "\(dry.output)")
        #expect(try await Self.consume(cluster, topic: "malomo.customers.created").isEmpty)
        let redrive = try await AdminProcess.run(["dead-letters", "redrive"], api: nil, environment: allowed)
        #expect(redrive.status == 0, "\(redrive.output)")
        #expect(redrive.stdout.contains("redriven 5 records") && redrive.stdout.contains("left 1 (invalid_json)"), "\(redrive.stdout)")
        let moved = try await Self.consume(cluster, topic: "malomo.customers.created")
        #expect(moved.count == 5)
        let deadLetters = try await Self.consume(cluster, topic: "malomo.dead-letter")
        for record in moved {
            let eventID = try #require(record.header(MalomoRecordHeader.eventID)?.stringValue)
            #expect(accepted[eventID].map { Array($0.utf8) } == record.value, "the original value")
            #expect(record.header(MalomoRecordHeader.deadLetterReason) == nil)
            let from = try #require(record.header(MalomoRecordHeader.redrivenFrom)?.stringValue)
            let source = try #require(deadLetters.first { "\($0.topic)/\($0.partition)/\($0.offset)" == from })
            #expect(source.key == record.key, "the original key")
            #expect(
                source.headers.filter { $0.key != MalomoRecordHeader.deadLetterReason } == record.headers.dropLast(),
                "the original headers, in order"
            )
        }
        #expect(Set(moved.compactMap { $0.header(MalomoRecordHeader.eventID)?.stringValue }) == Set(accepted.keys))
        // A re-run publishes nothing.
        let again = try await AdminProcess.run(["dead-letters", "redrive"], api: nil, environment: allowed)
        #expect(again.status == 0 && again.stdout.contains("redriven 0 records"), "\(again.output)")
        #expect(try await Self.consume(cluster, topic: "malomo.customers.created").count == 5)
        #expect(deadLetters.count == 6)
        #expect(try await Self.consume(cluster, topic: "malomo.dead-letter").count == 6, "dead letters stay where they were")
    }
}
