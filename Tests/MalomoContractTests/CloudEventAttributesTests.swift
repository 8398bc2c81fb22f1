import MalomoContract
import Testing

@Suite struct CloudEventAttributesTests {
    @Test func typeAndSourceFollowTheContract() {
        #expect(CloudEventAttributes.type(for: .ordersCreated) == "com.gomalomo.orders.created")
        #expect(CloudEventAttributes.type(for: MalomoTopic("shipments:updated")) == "com.gomalomo.shipments.updated")
        #expect(CloudEventAttributes.type(for: nil) == "com.gomalomo.unknown")
        #expect(CloudEventAttributes.source(webhookID: "wh_1") == "https://api.gomalomo.com/webhooks/wh_1")
        #expect(CloudEventAttributes.source(webhookID: nil) == "https://api.gomalomo.com/webhooks")
    }

    @Test(arguments: ["6a3a1b47-5a9e-4c34-9f34-1a2b3c4d5e6f", "wh_1", "dev-webhook"])
    func acceptsWebhookIDs(id: String) { #expect(CloudEventAttributes.isValidWebhookID(id)) }

    @Test(arguments: [
        "", "a/b", "a b", "a?b", "a#b", "a%2F", "caf\u{E9}", "\u{FFFD}", "a\u{7F}", String(repeating: "a", count: 256), "a<b", "a\"b",
        "a\\b", "a^b", "a`b", "a{b}", "a|b",
    ])
    func refusesWebhookIDsThatCannotBeAURISegment(id: String) { #expect(!CloudEventAttributes.isValidWebhookID(id)) }

    @Test func subjectsWithoutControlCharacters() {
        #expect(CloudEventAttributes.isValidSubject("c2a7e9b4-1d3f"))
        #expect(CloudEventAttributes.isValidSubject("caf\u{E9} 1"))
        #expect(!CloudEventAttributes.isValidSubject("a\u{0}b"))
        #expect(!CloudEventAttributes.isValidSubject("a\nb"))
        #expect(!CloudEventAttributes.isValidSubject("a\u{85}b"))
        #expect(!CloudEventAttributes.isValidSubject(""))
    }

    @Test func everyHeaderNameIsLowercaseAndUnique() {
        let names = MalomoRecordHeader.bridgeHeaders
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0 == $0.lowercased() })
        #expect(names.filter { $0.hasPrefix("ce_") }.count == 6)
    }
}
