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

/// The HTTP contract's Kafka side, end to end: what a 202 announces is in Kafka at that
/// partition and offset, a refused webhook writes nothing, unroutable ones reach the dead-letter
/// topic, and a producer that shut down answers 503. A real producer on the in-process mock
/// cluster. (The rest of the contract is WebhookHTTPContractTests, without a broker.)
@Suite struct WebhookKafkaIntegrationTests {
    @Test func signedPostIsAcceptedAfterBrokerAckWithIntegerPartitionAndOffset() async throws {
        let harness = try BridgeHarness()
        let body = try Fixture.bytes("order.json")
        let accepted = try await harness.application().test(.live) { client in
            try await client.postWebhook(body) { response in
                #expect(response.status == .accepted)
                #expect(response.headers[.contentType] == "application/json")
                // partition and offset are JSON integers: decoding them as Int fails otherwise.
                return try AcceptedBody(response.body)
            }
        }
        #expect(accepted.topic == "malomo.orders.created")
        #expect(accepted.event_id == MalomoEventID.of(topic: "orders:created", body: body))
        let records = try await harness.consume(topics: ["malomo.orders.created"], count: 1)
        #expect(records.count == 1)
        #expect(records.first?.partition == Int32(accepted.partition))
        #expect(records.first?.offset == Int64(accepted.offset))
        await harness.producer.shutdown()
    }

    @Test(arguments: [
        ("signature_missing", nil as String?),
        ("signature_mismatch", "wrong_secret" as String?),
    ])
    func unauthorizedPublishesNothing(expected: String, secret: String?) async throws {
        let harness = try BridgeHarness()
        let body = Array(#"{"id":"unauthorized"}"#.utf8)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body, headers: BridgeHarness.headers(body: body, secret: secret)) { response in
                #expect(response.status == .unauthorized)
                #expect(errorCode(response.body) == expected)
            }
        }
        // Nothing was published: after a marker and the producer's flush, the marker is the
        // only record in either topic.
        let marker = Array(#"{"id":"marker"}"#.utf8)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(marker) { #expect($0.status == .accepted) }
        }
        await harness.producer.shutdown()
        let topics = ["malomo.orders.created", "malomo.dead-letter"]
        #expect(try await harness.recordCount(topics: topics) == 1)
        let records = try await harness.consume(topics: topics, count: 1)
        #expect(records.map(\.key) == [Array("marker".utf8)])
    }

    /// Once the producer is shutting down, a webhook gets 503 `shutting_down` with Retry-After.
    @Test func afterProducerShutdownIs503ShuttingDown() async throws {
        let harness = try BridgeHarness()
        await harness.producer.shutdown()
        let body = Array(#"{"id":"late"}"#.utf8)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body) {
                #expect($0.status == .serviceUnavailable)
                #expect(errorCode($0.body) == "shutting_down")
                #expect($0.headers[.retryAfter] == "5")
            }
        }
    }

    @Test(arguments: [
        ("not json", "orders:created" as String?, "invalid_json"),
        (#"{"id":"x"}"#, nil, "missing_topic"),
        (#"{"id":"x"}"#, "Orders Created", "malformed_topic"),
        (#"{"id":"x"}"#, "customers:created", "topic_not_allowed"),
    ])
    func unroutableIsDeadLetteredThen202(body text: String, topic: String?, reason: String) async throws {
        let harness = try BridgeHarness {
            $0.webhook.router.allowedTopics = [MalomoTopic("orders:created")!, MalomoTopic("orders:updated")!]
        }
        let body = Array(text.utf8)
        let accepted = try await harness.application().test(.live) { client in
            try await client.postWebhook(body, headers: BridgeHarness.headers(body: body, topic: topic)) { response in
                #expect(response.status == .accepted)
                return try AcceptedBody(response.body)
            }
        }
        #expect(accepted.topic == "malomo.dead-letter")
        let records = try await harness.consume(topics: ["malomo.dead-letter"], count: 1)
        let record = try #require(records.first)
        #expect(record.value == body)
        #expect(record.header("malomo-dead-letter-reason")?.stringValue == reason)
        #expect(record.header("malomo-event-id")?.stringValue == accepted.event_id)
        await harness.producer.shutdown()
    }

}
