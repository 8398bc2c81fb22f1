import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KafkaWire
import MalomoBridge
import MalomoContract
import MalomoFixtures
import MalomoTestSupport
import MalomoWebhookCore
import NIOCore
import Testing

/// Signed POSTs over a real socket, read back from the mock cluster with a Kafka consumer.
@Suite struct KafkaIntegrationTests {
    @Test func everyTopicRoundTripsByteForByteWithEveryHeader() async throws {
        let harness = try BridgeHarness()
        let sent = try await harness.application().test(.live) { client in
            var sent: [(topic: String, body: [UInt8], accepted: AcceptedBody, attempt: String)] = []
            for (index, item) in Fixture.topics.enumerated() {
                let body = try Fixture.bytes(item.fixture)
                let attempt = String(index + 1)
                let accepted = try await client.postWebhook(
                    body,
                    headers: BridgeHarness.headers(body: body, topic: item.topic, webhookID: "wh_\(index)", attempt: attempt)
                ) { response in
                    #expect(response.status == .accepted)
                    return try AcceptedBody(response.body)
                }
                sent.append((item.topic, body, accepted, attempt))
            }
            return sent
        }
        let kafkaTopics = Fixture.topics.map { MalomoTopic($0.topic)!.kafkaTopic(prefix: "malomo.") }
        let records = try await harness.consume(topics: kafkaTopics, count: sent.count)
        #expect(records.count == sent.count)
        for (index, item) in sent.enumerated() {
            let expectedTopic = MalomoTopic(item.topic)!.kafkaTopic(prefix: "malomo.")
            #expect(item.accepted.topic == expectedTopic)
            let record = try #require(
                records.first {
                    $0.topic == expectedTopic && $0.offset == Int64(item.accepted.offset) && $0.partition == Int32(item.accepted.partition)
                },
                "no record for \(item.topic)"
            )
            #expect(record.value == item.body, "value of \(item.topic) must be the raw body byte for byte")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(item.body)) as? [String: Any])
            #expect(record.key == (object["id"] as? String).map { Array($0.utf8) })
            #expect(record.header("malomo-topic")?.stringValue == item.topic)
            #expect(record.header("malomo-webhook-id")?.stringValue == "wh_\(index)")
            #expect(record.header("malomo-attempt-number")?.stringValue == item.attempt)
            #expect(record.header("malomo-event-id")?.stringValue == MalomoEventID.of(topic: item.topic, body: item.body))
            #expect(record.header("malomo-event-id")?.stringValue == item.accepted.event_id)
            #expect(record.header("content-type")?.stringValue == "application/json")
            let receivedAt = try #require(record.header("malomo-received-at")?.stringValue)
            let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: receivedAt), "\(receivedAt)")
            #expect(abs(parsed.timeIntervalSinceNow) < 120)
            #expect(receivedAt.hasSuffix("Z"))
            // CloudEvents binary content mode, and the record's timestamp is the receive time.
            #expect(record.header("ce_specversion")?.stringValue == "1.0")
            #expect(record.header("ce_id")?.stringValue == item.accepted.event_id)
            #expect(record.header("ce_type")?.stringValue == "com.gomalomo." + item.topic.replacingOccurrences(of: ":", with: "."))
            #expect(record.header("ce_source")?.stringValue == "https://api.gomalomo.com/webhooks/wh_\(index)")
            #expect(record.header("ce_time")?.stringValue == receivedAt)
            #expect(record.header("ce_subject")?.stringValue == (object["id"] as? String))
            #expect(record.timestampMilliseconds == Int64(exactly: (parsed.timeIntervalSince1970 * 1000).rounded()))
        }
        await harness.producer.shutdown()
    }

    @Test func allBrokersDownIs503WithinTheAckTimeoutAndRecoversBy202() async throws {
        let harness = try BridgeHarness { $0.webhook.ackTimeout = .milliseconds(2000) }
        let body = Array(#"{"id":"outage"}"#.utf8)
        let headers = BridgeHarness.headers(body: body)
        try await harness.application().test(.router) { client in
            // Warm up: connections, metadata and the producer id. On a loaded machine the first
            // send can outlast its 1 s message timeout (a 503); what is tested is the outage.
            let clock = ContinuousClock()
            var warmUps = 0
            var warm = false
            let warmUpDeadline = clock.now + .seconds(20)
            while !warm && clock.now < warmUpDeadline {
                warmUps += 1
                warm = try await client.postWebhook(body, headers: headers) { $0.status == .accepted }
            }
            try #require(warm, "no 202 within 20 s of the cluster starting")
            try harness.cluster.setAllBrokers(up: false)
            let start = clock.now
            try await client.postWebhook(body, headers: headers) {
                #expect($0.status == .serviceUnavailable)
                #expect($0.headers[.retryAfter] != nil)
                #expect(errorCode($0.body) == "unavailable")
            }
            let elapsed = clock.now - start
            #expect(elapsed < .milliseconds(2000), "503 must come within ACK_TIMEOUT_MS; took \(elapsed)")

            try harness.cluster.setAllBrokers(up: true)
            var recovered: AcceptedBody? = nil
            let deadline = clock.now + .seconds(20)
            while recovered == nil && clock.now < deadline {
                recovered = try await client.postWebhook(body, headers: headers) { response in
                    response.status == .accepted ? try AcceptedBody(response.body) : nil
                }
            }
            let accepted = try #require(recovered, "the bridge did not recover within 20 s of the brokers returning")
            // No 202 without the record in Kafka.
            let records = try await harness.consume(topics: ["malomo.orders.created"], count: warmUps + 2, timeout: .seconds(10))
            #expect(records.contains { $0.partition == Int32(accepted.partition) && $0.offset == Int64(accepted.offset) })
        }
        await harness.producer.shutdown()
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFractionalSeconds: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
