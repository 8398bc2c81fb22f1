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

/// One test per line of the HTTP contract (issue: bridge core), with no Kafka at all: the
/// webhook application publishes into a ``MemoryPublisher``. What reaches a real broker is
/// WebhookKafkaIntegrationTests.
@Suite struct WebhookHTTPContractTests {
    @Test func signedPostIsAcceptedWithThePublishersTopicPartitionAndOffset() async throws {
        let harness = HTTPContractHarness()
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
        let published = try #require(harness.publisher.published.first)
        #expect(harness.publisher.published.count == 1)
        #expect(published.body == body, "the raw bytes, unchanged")
        #expect(published.report == KafkaDeliveryReport(topic: accepted.topic, partition: Int32(accepted.partition), offset: Int64(accepted.offset)))
        #expect(published.record.headers.contains { $0.name == "malomo-event-id" && $0.value == accepted.event_id })
    }

    /// Each connection runs on its own event loop (EventLoopBoundChildChannel): the handler
    /// publishes there, and a resume from another thread (a delivery report's) comes back there.
    @Test func theHandlerRunsOnItsConnectionsEventLoop() async throws {
        let harness = HTTPContractHarness()
        let body = try Fixture.bytes("order.json")
        try await harness.application().test(.live) { client in
            for _ in 0..<3 {
                try await client.postWebhook(body) { response in #expect(response.status == .accepted) }
            }
        }
        let published = harness.publisher.published
        #expect(published.count == 3)
        #expect(published.filter(\.onEventLoop).count == 3, "published off the event loop")
    }

    @Test(arguments: [
        ("signature_missing", nil as String?),
        ("signature_mismatch", "wrong_secret" as String?),
    ])
    func unauthorizedPublishesNothing(expected: String, secret: String?) async throws {
        let harness = HTTPContractHarness()
        let body = Array(#"{"id":"unauthorized"}"#.utf8)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body, headers: BridgeHarness.headers(body: body, secret: secret)) { response in
                #expect(response.status == .unauthorized)
                #expect(errorCode(response.body) == expected)
            }
        }
        #expect(harness.publisher.attempts == 0, "a refused webhook is never published")
    }

    @Test(arguments: [
        ("not json", "orders:created" as String?, "invalid_json"),
        (#"{"id":"x"}"#, nil, "missing_topic"),
        (#"{"id":"x"}"#, "Orders Created", "malformed_topic"),
        (#"{"id":"x"}"#, "customers:created", "topic_not_allowed"),
    ])
    func unroutableIsDeadLetteredThen202(body text: String, topic: String?, reason: String) async throws {
        let harness = HTTPContractHarness {
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
        let published = try #require(harness.publisher.published.first)
        #expect(published.record.topic == "malomo.dead-letter")
        #expect(published.body == body)
        #expect(published.record.headers.contains { $0.name == "malomo-dead-letter-reason" && $0.value == reason })
        #expect(published.record.headers.contains { $0.name == "malomo-event-id" && $0.value == accepted.event_id })
    }

    /// Kafka's refusals are 503s with Retry-After: `shutting_down` once the producer stopped,
    /// `unavailable` otherwise (a full queue, no acknowledgement within ACK_TIMEOUT_MS).
    @Test(arguments: [
        (MemoryPublisher.Behaviour.fail(KafkaError(code: .shutdown, reason: "stopping")), "shutting_down"),
        (.fail(KafkaError(code: .queueFull, reason: "full")), "unavailable"),
        (.fail(KafkaError(code: .unconfirmed, reason: "no offset")), "unavailable"),
        (.neverAcknowledge, "unavailable"),
    ])
    func kafkaRefusalsAre503WithRetryAfter(behaviour: MemoryPublisher.Behaviour, expected: String) async throws {
        let harness = HTTPContractHarness(behaviour) { $0.webhook.ackTimeout = .milliseconds(300) }
        let body = Array(#"{"id":"refused"}"#.utf8)
        let started = ContinuousClock.now
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body) {
                #expect($0.status == .serviceUnavailable)
                #expect(errorCode($0.body) == expected)
                #expect($0.headers[.retryAfter] == "5")
            }
        }
        #expect(ContinuousClock.now - started < .seconds(5), "the wait is bounded by ACK_TIMEOUT_MS")
        #expect(harness.publisher.attempts == 1, "one publish, not retried by the bridge: Malomo retries")
        #expect(harness.publisher.published.isEmpty)
    }

    /// A record larger than the publisher takes (librdkafka's message.max.bytes) is a 413: no
    /// retry could ever make it fit.
    @Test func aRecordLargerThanThePublisherTakesIs413() async throws {
        let harness = HTTPContractHarness(maxRecordBytes: 2000)
        let body = Array(("{\"id\":\"" + String(repeating: "b", count: 3000) + "\"}").utf8)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body) {
                #expect($0.status == .contentTooLarge)
                #expect(errorCode($0.body) == "too_large")
            }
        }
        #expect(harness.publisher.attempts == 0)
    }

    @Test func lowerCaseSignatureIsAccepted() async throws {
        let harness = HTTPContractHarness()
        let body = Array(#"{"id":"abc"}"#.utf8)
        var lowered = BridgeHarness.headers(body: body)
        lowered[HTTPField.Name("Malomo-Signature")!] = lowered[HTTPField.Name("Malomo-Signature")!]!.lowercased()
        let headers = lowered
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body, headers: headers) {
                #expect($0.status == .accepted)
            }
        }
    }

    @Test func malformedSignatureAndTamperedBodyAreUnauthorized() async throws {
        let harness = HTTPContractHarness()
        let body = Array(#"{"id":"abc"}"#.utf8)
        var malformedHeaders = BridgeHarness.headers(body: body)
        malformedHeaders[HTTPField.Name("Malomo-Signature")!] = "sha256=abc"
        let malformed = malformedHeaders
        let tampered = BridgeHarness.headers(body: body)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body, headers: malformed) {
                #expect($0.status == .unauthorized)
                #expect(errorCode($0.body) == "signature_malformed")
            }
            try await client.execute(
                uri: BridgeHarness.webhookPath,
                method: .post,
                headers: tampered,
                body: ByteBuffer(string: #"{"id":"abd"}"#)
            ) {
                #expect($0.status == .unauthorized)
                #expect(errorCode($0.body) == "signature_mismatch")
            }
        }
    }

    @Test func perWebhookSecretsAndDefaultsBothVerify() async throws {
        let harness = HTTPContractHarness(secretsByWebhookID: ["wh_a": ["secret-a-new", "secret-a-old"]])
        let body = Array(#"{"id":"x"}"#.utf8)
        try await harness.application().test(.live) { client in
            for (webhookID, secret, status) in [
                ("wh_a", "secret-a-old", HTTPResponse.Status.accepted), ("wh_a", "secret-a-new", .accepted),
                ("wh_a", BridgeHarness.secret, .accepted), ("wh_b", "secret-a-new", .unauthorized),
                ("wh_b", BridgeHarness.secret, .accepted),
            ] {
                try await client.postWebhook(body, headers: BridgeHarness.headers(body: body, webhookID: webhookID, secret: secret)) {
                    #expect($0.status == status, "\(webhookID) signed with \(secret)")
                }
            }
        }
    }

    @Test func oversizeBodyIs413ByHeaderAndByBytes() async throws {
        let harness = HTTPContractHarness { $0.webhook.maxBodyBytes = 1000 }
        let big = Array(("{\"id\":\"" + String(repeating: "a", count: 2000) + "\"}").utf8)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(big) {
                #expect($0.status == .contentTooLarge)
                #expect(errorCode($0.body) == "too_large")
            }
        }
        // Over a real socket too, where the body streams in: the answer closes the connection
        // (the unread body is never drained), and a new connection is served.
        try await harness.application().test(.live) { client in
            try await client.postWebhook(big) {
                #expect($0.status == .contentTooLarge)
                #expect($0.headers[.connection] == "close")
            }
            let port = try #require(client.port)
            #expect(try await BridgeHarness.postSigned(port: port).status == 202)
        }
    }

    /// A chunked body has no Content-Length: the limit is found while reading, and must still
    /// be a 413 `too_large` (it was a 400 `bad_request`: NIO's error was not recognised).
    @Test func chunkedBodyOverTheLimitIs413WhileReading() async throws {
        let harness = HTTPContractHarness { $0.webhook.maxBodyBytes = 1000 }
        let chunk = Array(String(repeating: " ", count: 600).utf8)
        let body = Array("{\"id\":\"chunked\"}".utf8) + chunk + chunk
        let signature = WebhookSignatureVerifier.sign(body: body, secret: WebhookSecret(BridgeHarness.secret)!)
        let response = try await harness.application().test(.live) { client in
            let port = try #require(client.port)
            var raw = Array(
                ("POST \(BridgeHarness.webhookPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
                    + "Malomo-Topic: orders:created\r\nMalomo-Webhook-Id: wh_test\r\nMalomo-Signature: \(signature)\r\n\r\n").utf8
            )
            for piece in [Array(body[..<600]), Array(body[600..<1200]), Array(body[1200...])] {
                raw += Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]
            }
            raw += Array("0\r\n\r\n".utf8)
            return try await RawHTTPClient.exchange(port: port, raw: raw).get()
        }
        #expect(response.status == 413)
        #expect(
            try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String] == [
                "error": "too_large", "message": "body exceeds MAX_BODY_BYTES (1000)",
            ]
        )
    }

    /// Every answer carries `X-Request-Id`, the id of its log line, distinct per request.
    @Test func everyAnswerCarriesARequestID() async throws {
        let harness = HTTPContractHarness()
        let body = Array(#"{"id":"rid"}"#.utf8)
        let ids = try await harness.application().test(.live) { client in
            let port = try #require(client.port)
            var ids: [String] = []
            for raw in [
                RawHTTPClient.postBytes(path: BridgeHarness.webhookPath, headers: BridgeHarness.rawHeaders(body: body), body: body),  // 202
                RawHTTPClient.postBytes(path: BridgeHarness.webhookPath, headers: [("Malomo-Signature", "00")], body: body),  // 401
                RawHTTPClient.postBytes(path: "/nope", headers: [], body: body),  // 404
            ] {
                let response = try await RawHTTPClient.exchange(port: port, raw: raw).get()
                ids.append(try #require(response.headers["x-request-id"], "status \(response.status) without X-Request-Id"))
            }
            return ids
        }
        #expect(Set(ids).count == 3, "\(ids)")
    }

    /// A client that goes away mid-body gets 400 `bad_request` (the answer can still be sent
    /// on its open receiving side); nothing is published.
    @Test func aBodyCutShortIs400BadRequest() async throws {
        let harness = HTTPContractHarness()
        try await harness.application().test(.live) { client in
            let port = try #require(client.port)
            let raw = Array("POST \(BridgeHarness.webhookPath) HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\":\"cut".utf8)
            let response = try await RawHTTPClient.exchangeHalfClosed(port: port, raw: raw).get()
            #expect(response.status == 400)
            #expect(errorCode(ByteBuffer(bytes: response.body)) == "bad_request")
        }
        #expect(harness.publisher.attempts == 0, "nothing is published")
    }

    @Test func otherMethodsAre405AndOtherPaths404() async throws {
        let harness = HTTPContractHarness()
        try await harness.application().test(.live) { client in
            let port = try #require(client.port)
            // One connection each: these answers close theirs (the body is never read).
            for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] {
                let response = try await RawHTTPClient.exchange(
                    port: port,
                    raw: Array("\(method) \(BridgeHarness.webhookPath) HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".utf8)
                ).get()
                #expect(response.status == 405, "\(method)")
                #expect(response.headers["allow"] == "POST")
                #expect(response.headers["connection"] == "close")
                #expect((try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])?["error"] == "method_not_allowed")
            }
            // HEAD: the same answer without a body.
            let head = String(
                decoding: await RawHTTPClient.received(port: port, raw: Array("HEAD \(BridgeHarness.webhookPath) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
                as: UTF8.self
            )
            #expect(head.hasPrefix("HTTP/1.1 405"), "\(head.prefix(40))")
            #expect(head.lowercased().contains("allow: post"))
            #expect(head.hasSuffix("\r\n\r\n"), "no body after a HEAD answer")
            for path in ["/", "/webhooks", "/webhooks/malomo/x", "/webhooks/shopify", "/metrics"] {
                let response = try await RawHTTPClient.post(port: port, path: path, headers: [], body: Array("{}".utf8)).get()
                #expect(response.status == 404, "\(path)")
                #expect((try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])?["error"] == "not_found")
            }
        }
    }

    @Test func unsignedAllowedOnlyWhenConfiguredWithoutSecrets() async throws {
        let harness = HTTPContractHarness {
            $0.webhook.defaultSecrets = []
            $0.webhook.allowUnsigned = true
        }
        let body = Array(#"{"id":"u"}"#.utf8)
        try await harness.application().test(.live) { client in
            try await client.postWebhook(body, headers: BridgeHarness.headers(body: body, secret: nil)) { #expect($0.status == .accepted) }
        }
        // Where it is not allowed, the same unsigned request is refused: without any secret...
        let strict = HTTPContractHarness { $0.webhook.defaultSecrets = [] }
        try await strict.application().test(.live) { client in
            try await client.postWebhook(body, headers: BridgeHarness.headers(body: body, secret: nil)) {
                #expect($0.status == .unauthorized)
                #expect(errorCode($0.body) == "no_secret_for_webhook")
            }
        }
        // ...and with one (default or per webhook id, known id or not).
        let signed = HTTPContractHarness(secretsByWebhookID: ["wh_known": ["per-webhook"]])
        try await signed.application().test(.live) { client in
            for webhookID in ["wh_known", "wh_unknown"] {
                try await client.postWebhook(body, headers: BridgeHarness.headers(body: body, webhookID: webhookID, secret: nil)) {
                    #expect($0.status == .unauthorized, "\(webhookID)")
                    #expect(errorCode($0.body) == "signature_missing", "\(webhookID)")
                }
            }
        }
        // Unsigned mode beside a secret never gets that far: startup refuses it.
        var both = BridgeConfiguration(kafkaBrokers: ["127.0.0.1:1"])
        both.webhook.allowUnsigned = true
        both.webhook.defaultSecrets = [WebhookSecret("s")!]
        #expect(throws: BridgeConfigurationError.self) { try BridgeApplication.loadSecrets(configuration: both) }
    }
}
