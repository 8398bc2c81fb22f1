import Foundation
import MalomoFixtures
import MalomoModels
import Testing

@Suite struct TolerantDecodingTests {
    func decodeOrder(_ json: String) throws -> Order {
        try #require(try MalomoWebhookEvent.decode(topic: "orders:created", body: Array(json.utf8)).order)
    }

    @Test func docsBrokenShapesRepaired() throws {
        // REFERENCE.md §5.1: the docs' order example, with its missing and trailing commas repaired.
        let order = try decodeOrder(
            """
            {"alternate_id":"1000","created_at":"2019-01-30T13:30:00Z","customer":{"email":"a@b.c","first_name":"A","last_name":"B"},
             "email":"a@b.c","id":"8b4e0e6c-5b9e-4d0e-9d67-2d5b0c5a1f00","meta":{"shopify_order":{"order_id":1234567890123}},
             "number":"1000","shipments":[{"alternative_carrier_identifier":null,"carrier":"usps","carrier_name":"USPS",
             "carrier_service":"Priority Mail","carrier_url":"https://example.com/t","container_type":null,
             "delivered_at":"2019-01-30T13:30:00","destination":{"city":"INDIANAPOLIS","country":null,"postal_code":"46204","state":"IN"},
             "id":"s1","is_return":false,"scan_events":[{"carrier_code":"GX","description":"Shipping Label Created",
             "location":{"city":"INDIANAPOLIS","country":null,"postal_code":"46204","state":"IN"},"message":"m",
             "scanned_at":"2019-01-28T13:23:00","source":"USPS","status":"pre_transit","status_detail":"label_created"}]}]}
            """
        )
        #expect(order.customer?.id == nil)
        #expect(order.customer?.email == "a@b.c")
        #expect(order.shipments.first?.scanEvents.first?.statusDetail == .labelCreated)
    }

    @Test func nullsEverywhere() throws {
        let order = try decodeOrder(
            """
            {"id":"o1","alternate_id":null,"number":null,"email":null,"customer":null,"meta":null,"created_at":null,
             "updated_at":null,"shipments":[{"id":"s1","carrier":null,"status":null,"origin":null,"destination":null,
             "delivered_at":null,"scan_events":[{"status":null,"status_detail":null,"location":null,"scanned_at":null}]}]}
            """
        )
        #expect(order.shipments.first?.carrier == nil)
        #expect(order.shipments.first?.scanEvents.count == 1)
        let shipmentsNull = try decodeOrder(#"{"id":"o2","shipments":null}"#)
        #expect(shipmentsNull.shipments.isEmpty)
    }

    @Test func unknownFieldsAtEveryLevel() throws {
        let order = try decodeOrder(
            """
            {"id":"o1","x":1,"customer":{"y":[1],"email":"e"},"shipments":[{"id":"s","z":{"a":1},"status":"teleported",
             "carrier":"pigeon_post","destination":{"q":true},"scan_events":[{"w":null,"status_detail":"new_detail","location":{"v":1}}]}]}
            """
        )
        #expect(order.customer?.email == "e")
        #expect(order.shipments.first?.status == .unknown("teleported"))
        #expect(order.shipments.first?.carrier == .unknown("pigeon_post"))
        #expect(order.shipments.first?.scanEvents.first?.statusDetail == .unknown("new_detail"))
    }

    @Test func wrongTypesDoNotSinkTheResource() throws {
        let order = try decodeOrder(
            """
            {"id":"o1","number":1000,"alternate_id":5523016449801,"customer":"not an object","shipments":[{"id":"s1","is_return":"no"},
             "garbage",{"nope":1},{"id":"s2","scan_events":{"not":"an array"}}]}
            """
        )
        #expect(order.number == "1000")
        #expect(order.alternateID == "5523016449801")
        #expect(order.customer == nil)
        #expect(order.shipments.map(\.id) == ["s1", "s2"])
        #expect(order.shipments.first?.isReturn == nil)
    }

    @Test(arguments: [
        ("2024-03-11T15:02:41Z", 1_710_169_361.0),
        ("2024-03-11T15:02:41.250Z", 1_710_169_361.25),
        ("2024-03-11T17:02:41+02:00", 1_710_169_361.0),
        ("2024-03-11T10:02:41-0500", 1_710_169_361.0),
    ])
    func zonedTimestampsAreInstants(text: String, seconds: Double) throws {
        let timestamp = try #require(MalomoTimestamp(text))
        #expect(timestamp.instant?.timeIntervalSince1970 == seconds)
        #expect(timestamp.rawValue == text)
    }

    @Test func localDateAndNumericTimestamps() throws {
        struct Box: Decodable { let t: MalomoTimestamp? }
        func decode(_ json: String) throws -> MalomoTimestamp? {
            let box = try JSONDecoder().decode(Box.self, from: Data(json.utf8))
            return box.t
        }
        let local = try #require(try decode(#"{"t":"2024-03-12T09:41:00"}"#))
        #expect(local.isLocal && local.instant == nil)
        #expect(local.instant(assumingUTCOffsetSeconds: 0).timeIntervalSince1970 == 1_710_236_460)
        #expect(local.instant(assumingUTCOffsetSeconds: -5 * 3600).timeIntervalSince1970 == 1_710_236_460 + 5 * 3600)
        let date = try #require(try decode(#"{"t":"2024-03-14"}"#))
        guard case .date(2024, 3, 14) = date.kind else {
            Issue.record("expected a date")
            return
        }
        #expect(try decode(#"{"t":1710261900}"#)?.instant?.timeIntervalSince1970 == 1_710_261_900)
        #expect(try decode(#"{"t":1710261900.5}"#)?.instant?.timeIntervalSince1970 == 1_710_261_900.5)
        #expect(try decode(#"{"t":"1710261900"}"#)?.instant?.timeIntervalSince1970 == 1_710_261_900)
        #expect(try decode(#"{"t":null}"#) == nil)
        #expect(throws: DecodingError.self) { try decode(#"{"t":"next tuesday"}"#) }
        #expect(MalomoTimestamp("2024-02-30") == nil)
        #expect(MalomoTimestamp("2024-13-01T00:00:00Z") == nil)
    }

    @Test func badTimestampIsNilNotFatal() throws {
        let order = try decodeOrder(#"{"id":"o1","created_at":"soon","shipments":[{"id":"s","delivered_at":42}]}"#)
        #expect(order.createdAt == nil)
        #expect(order.shipments.first?.deliveredAt?.instant?.timeIntervalSince1970 == 42)
    }

    @Test func failuresAreTypedNotCrashes() {
        #expect(throws: MalomoDecodingError.self) { try MalomoWebhookEvent.decode(topic: "orders:created", body: Array("{".utf8)) }
        do {
            _ = try MalomoWebhookEvent.decode(topic: "orders:created", body: Array(#"{"number":"1"}"#.utf8))
            Issue.record("expected missing id")
        } catch { #expect(error.reason == .missingField) }
        do {
            _ = try MalomoWebhookEvent.decode(topic: "orders:created", body: Array("not json".utf8))
            Issue.record("expected invalid JSON")
        } catch { #expect(error.reason == .invalidJSON) }
        do {
            _ = try MalomoWebhookEvent.decode(topic: "customers:deleted", body: Array("[1]".utf8))
            Issue.record("expected a shape error")
        } catch { #expect(error.reason == .unexpectedShape) }
    }

    @Test func unknownTopicKeepsRawBytes() throws {
        let body = Array(#"{"anything":1}"#.utf8)
        #expect(try MalomoWebhookEvent.decode(topic: "shipments:updated", body: body) == .unknown(topic: "shipments:updated", raw: body))
    }

    @Test func deliveryMetadataFromHeaders() throws {
        let body = Array(#"{"id":"c1","email":"e"}"#.utf8)
        let delivery = try MalomoDelivery.decode(
            kafkaTopic: "malomo.customers.updated",
            partition: 2,
            offset: 41,
            key: Array("c1".utf8),
            headers: [
                ("malomo-webhook-id", Array("wh".utf8)), ("malomo-attempt-number", Array("3".utf8)),
                ("malomo-event-id", Array("abc".utf8)), ("malomo-received-at", Array("2026-11-29T21:08:36.123Z".utf8)),
            ],
            value: body
        )
        #expect(delivery.event.customer?.id == "c1")
        #expect(delivery.event.topic == "customers:updated", "derived from the Kafka topic without a malomo-topic header")
        #expect(delivery.webhookID == "wh" && delivery.attemptNumber == 3 && delivery.eventID == "abc")
        #expect(delivery.receivedAt?.instant != nil)
        #expect(delivery.partition == 2 && delivery.offset == 41 && delivery.rawValue == body)
    }
}

@Suite struct DecodingPathsTests {
    @Test(arguments: ["order.json", "order-minimal.json", "order-unknown-fields.json"])
    func codableAndTheFastPathAgree(file: String) throws {
        let body = try Fixture.bytes(file)
        var fast = try #require(try MalomoWebhookEvent.decode(topic: "orders:created", body: body).order)
        fast.rawJSON = nil
        let viaCodable = try JSONDecoder().decode(Order.self, from: Data(body))
        #expect(viaCodable == fast)
        // And a round trip through Codable keeps the typed content.
        let reencoded = try JSONEncoder().encode(viaCodable)
        #expect(try JSONDecoder().decode(Order.self, from: reencoded).shipments.count == fast.shipments.count)
    }

    @Test func parserKeepsIntegersExactAndRejectsWhatJSONRejects() throws {
        let value = try JSONValue(parsing: Array(#"{"big":5523016449801234567,"f":1.5,"e":1e3,"s":"a\"\u00e9","n":null,"b":[true,false]}"#.utf8))
        #expect(value["big"] == .integer(5_523_016_449_801_234_567))
        #expect(value["f"] == .double(1.5))
        #expect(value["e"] == .double(1000))
        #expect(value["s"] == .string("a\"é"))
        #expect(value["n"] == .null)
        #expect(value["b"] == .array([.bool(true), .bool(false)]))
        for bad in ["{", #"{"a":1,}"#, "[1 2]", "01", #""\ud800""#, "tru", "{'a':1}", "", "1 2"] {
            #expect(throws: JSONValue.ParseError.self, "\(bad)") { try JSONValue(parsing: Array(bad.utf8)) }
        }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
    }
}
