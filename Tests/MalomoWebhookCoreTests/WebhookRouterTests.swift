import MalomoContract
import MalomoWebhookCore
import Testing

@Suite struct WebhookRouterTests {
    let router = WebhookRouter()
    let body = Array(#"{"id":"c2a7","number":"1000"}"#.utf8)

    func header(_ record: WebhookRecord, _ name: String) -> String? {
        record.headers.first { $0.name == name }?.value
    }

    @Test func buildsTheRecordContract() {
        let record = router.record(
            body: body,
            malomoTopic: "orders:created",
            webhookID: "wh_1",
            attemptNumber: "3",
            receivedAt: "2026-11-29T21:08:36.123Z"
        )
        #expect(record.topic == "malomo.orders.created")
        #expect(record.key == Array("c2a7".utf8))
        #expect(record.deadLetterReason == nil)
        #expect(record.eventID == MalomoEventID.of(topic: "orders:created", body: body))
        #expect(record.eventID.count == 64 && record.eventID == record.eventID.lowercased())
        #expect(
            record.headers.map(\.name) == [
                "malomo-topic", "malomo-webhook-id", "malomo-attempt-number", "malomo-event-id", "malomo-received-at",
                "content-type", "ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject",
            ]
        )
        #expect(header(record, "ce_specversion") == "1.0")
        #expect(header(record, "ce_id") == record.eventID)
        #expect(header(record, "ce_type") == "com.gomalomo.orders.created")
        #expect(header(record, "ce_source") == "https://api.gomalomo.com/webhooks/wh_1")
        #expect(header(record, "ce_time") == "2026-11-29T21:08:36.123Z")
        #expect(header(record, "ce_subject") == "c2a7")
        #expect(header(record, "malomo-topic") == "orders:created")
        #expect(header(record, "malomo-webhook-id") == "wh_1")
        #expect(header(record, "malomo-attempt-number") == "3")
        #expect(header(record, "malomo-event-id") == record.eventID)
        #expect(header(record, "malomo-received-at") == "2026-11-29T21:08:36.123Z")
        #expect(header(record, "content-type") == "application/json")
    }

    @Test func eventIDCoversTopicAndBody() {
        // sha256 of "orders:created\n" + {"id":"abc"} (computed independently with Python's hashlib).
        let record = router.record(
            body: Array(#"{"id":"abc"}"#.utf8),
            malomoTopic: "orders:created",
            webhookID: nil,
            attemptNumber: "1",
            receivedAt: "t"
        )
        #expect(record.eventID == "6afa80afa0192ef6e6e2883ec37d4d2d05ac5c8be7d65c94b06aa415f71636d1")
        // A retry (another attempt number) keeps the id; the same body under another topic does not.
        let retry = router.record(
            body: Array(#"{"id":"abc"}"#.utf8),
            malomoTopic: "orders:created",
            webhookID: "w",
            attemptNumber: "2",
            receivedAt: "u"
        )
        #expect(retry.eventID == record.eventID)
        let updated = router.record(
            body: Array(#"{"id":"abc"}"#.utf8),
            malomoTopic: "orders:updated",
            webhookID: nil,
            attemptNumber: "1",
            receivedAt: "t"
        )
        #expect(updated.eventID != record.eventID)
    }

    @Test func cloudEventsHeadersCanBeTurnedOff() {
        let router = WebhookRouter(cloudEvents: false)
        let record = router.record(body: body, malomoTopic: "orders:created", webhookID: "wh_1", attemptNumber: "1", receivedAt: "t")
        #expect(!record.headers.contains { $0.name.hasPrefix("ce_") })
        #expect(header(record, "malomo-event-id") == record.eventID)
    }

    @Test func subjectOnlyWithoutControlCharacters() {
        let record = router.record(
            body: Array(#"{"id":"a\u0000b"}"#.utf8),
            malomoTopic: "orders:created",
            webhookID: "w",
            attemptNumber: nil,
            receivedAt: "t"
        )
        #expect(record.key == [0x61, 0x00, 0x62], "the key keeps the id's bytes")
        #expect(header(record, "ce_subject") == nil, "a control character is not a CloudEvents attribute value")
        #expect(header(record, "ce_id") == record.eventID)
    }

    @Test func sourceIsTheWebhooksCollectionWithoutAnIDAndNoSubjectWithoutAKey() {
        let record = router.record(body: Array("[1]".utf8), malomoTopic: "orders:created", webhookID: nil, attemptNumber: nil, receivedAt: "t")
        #expect(header(record, "ce_source") == "https://api.gomalomo.com/webhooks")
        #expect(header(record, "ce_subject") == nil)
    }

    @Test(arguments: ["a/b", "caf\u{E9}", "x y", "\u{FFFD}", ""])
    func webhookIDThatCannotBeAHeaderIsDeadLettered(webhookID: String) {
        let record = router.record(body: body, malomoTopic: "orders:created", webhookID: webhookID, attemptNumber: nil, receivedAt: "t")
        #expect(record.topic == "malomo.dead-letter")
        #expect(record.deadLetterReason == .invalidHeader)
        #expect(!record.headers.contains { $0.name.hasPrefix("ce_") })
    }

    @Test func undocumentedTopicsAreDeadLetteredByDefault() {
        let record = router.record(body: body, malomoTopic: "shipments:created", webhookID: "w", attemptNumber: "1", receivedAt: "t")
        #expect(record.topic == "malomo.dead-letter")
        #expect(record.deadLetterReason == .topicNotAllowed)
        #expect(header(record, "ce_type") == "com.gomalomo.shipments.created")
        let everything = WebhookRouter(allowedTopics: nil)
        #expect(
            everything.record(body: body, malomoTopic: "shipments:created", webhookID: "w", attemptNumber: "1", receivedAt: "t").topic
                == "malomo.shipments.created"
        )
        for topic in MalomoTopic.known {
            #expect(
                router.record(body: body, malomoTopic: topic.rawValue, webhookID: "w", attemptNumber: "1", receivedAt: "t").topic
                    == topic.kafkaTopic()
            )
        }
    }

    @Test func noKeyWithoutID() {
        let record = router.record(
            body: Array(#"{"number":"1"}"#.utf8),
            malomoTopic: "orders:created",
            webhookID: nil,
            attemptNumber: nil,
            receivedAt: "t"
        )
        #expect(record.key == nil)
        #expect(record.topic == "malomo.orders.created")
        #expect(!record.headers.contains { $0.name == "malomo-webhook-id" || $0.name == "malomo-attempt-number" })
    }

    @Test(
        arguments: [
            (#"{"id":"x""#, "orders:created", "invalid_json"),
            (#"{"id":"x"}"#, nil, "missing_topic"),
            (#"{"id":"x"}"#, "ORDERS", "malformed_topic"),
            (#"not json"#, nil, "invalid_json"),
        ] as [(String, String?, String)]
    )
    func deadLetters(body: String, topic: String?, reason: String) {
        let record = router.record(body: Array(body.utf8), malomoTopic: topic, webhookID: "w", attemptNumber: "1", receivedAt: "t")
        #expect(record.topic == "malomo.dead-letter")
        #expect(record.deadLetterReason?.rawValue == reason)
        #expect(header(record, "malomo-dead-letter-reason") == reason)
    }

    @Test func allowList() {
        let router = WebhookRouter(
            topicPrefix: "p.",
            deadLetterTopic: "dlq",
            allowedTopics: [MalomoTopic("orders:created")!]
        )
        let allowed = router.record(body: body, malomoTopic: "orders:created", webhookID: nil, attemptNumber: nil, receivedAt: "t")
        #expect(allowed.topic == "p.orders.created")
        let other = router.record(body: body, malomoTopic: "customers:created", webhookID: nil, attemptNumber: nil, receivedAt: "t")
        #expect(other.topic == "dlq")
        #expect(other.deadLetterReason == .topicNotAllowed)
        #expect(other.key == Array("c2a7".utf8))
    }

    @Test func rfc3339() {
        #expect(RFC3339Timestamp.format(millisecondsSinceEpoch: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339Timestamp.format(millisecondsSinceEpoch: 1_710_261_900_000) == "2024-03-12T16:45:00.000Z")
        #expect(RFC3339Timestamp.format(millisecondsSinceEpoch: 951_782_400_123) == "2000-02-29T00:00:00.123Z")
        #expect(RFC3339Timestamp.format(millisecondsSinceEpoch: 1_795_900_116_999) == "2026-11-28T21:08:36.999Z")
        // Found by the fuzzer: instants before 1970 and beyond year 9999 (clamped, never a trap).
        #expect(RFC3339Timestamp.format(millisecondsSinceEpoch: -1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339Timestamp.format(millisecondsSinceEpoch: .min) == "0000-01-01T00:00:00.000Z")
        #expect(RFC3339Timestamp.format(millisecondsSinceEpoch: .max) == "9999-12-31T23:59:59.999Z")
    }
}
