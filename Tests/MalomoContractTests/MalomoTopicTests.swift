import MalomoContract
import Testing

@Suite struct MalomoTopicTests {
    @Test(arguments: [
        ("orders:created", "malomo.orders.created"), ("orders:updated", "malomo.orders.updated"),
        ("orders:deleted", "malomo.orders.deleted"), ("customers:created", "malomo.customers.created"),
        ("customers:updated", "malomo.customers.updated"), ("customers:deleted", "malomo.customers.deleted"),
        ("events:created", "malomo.events.created"),
        // Topics Malomo may add later route the same way.
        ("shipments:updated", "malomo.shipments.updated"), ("return_shipments:created", "malomo.return_shipments.created"),
        ("a:b:c", "malomo.a.b.c"), ("v2-orders:created", "malomo.v2-orders.created"),
    ])
    func mapsToKafkaTopics(malomo: String, kafka: String) throws {
        let topic = try #require(MalomoTopic(malomo))
        #expect(topic.kafkaTopic(prefix: "malomo.") == kafka)
    }

    @Test func customPrefix() {
        #expect(MalomoTopic("orders:created")!.kafkaTopic(prefix: "acme-") == "acme-orders.created")
        #expect(MalomoTopic("orders:created")!.kafkaTopic(prefix: "") == "orders.created")
    }

    @Test(arguments: [
        "", "orders", ":created", "orders:", "orders::created", "Orders:Created", "orders.created", "orders:created ",
        " orders:created", "orders/created", "orders:créé", "../x:y", "orders:created\n", "a:b\u{0}",
        String(repeating: "a", count: 200) + ":b",
    ])
    func rejectsMalformed(text: String) {
        #expect(MalomoTopic(text) == nil)
    }

    @Test func knownTopics() {
        #expect(MalomoTopic.known.count == 7)
        #expect(MalomoTopic("orders:created")!.isKnown)
        #expect(!MalomoTopic("shipments:updated")!.isKnown)
    }

    @Test func kafkaTopicRoundTrips() throws {
        for topic in MalomoTopic.known + [MalomoTopic("shipments:updated")!] {
            #expect(MalomoTopic(kafkaTopic: topic.kafkaTopic()) == topic)
            #expect(MalomoTopic(kafkaTopic: topic.kafkaTopic(prefix: "acme-"), prefix: "acme-") == topic)
        }
        #expect(MalomoTopic(kafkaTopic: "other.orders.created") == nil)
        #expect(MalomoTopic(kafkaTopic: "malomo.dead-letter") == nil)
        #expect(MalomoContractDefaults.deadLetterTopic == "malomo.dead-letter")
        #expect(MalomoTopic.ordersCreated.kafkaTopic() == "malomo.orders.created")
    }
}
