import Foundation
import MalomoFixtures
import MalomoModels
import Testing

@Suite struct FixtureDecodingTests {
    func order(_ file: String) throws -> Order {
        let event = try MalomoWebhookEvent.decode(topic: "orders:updated", body: try Fixture.bytes(file))
        return try #require(event.order)
    }

    @Test(arguments: [
        ("orders:created", "order.json"), ("orders:updated", "order-minimal.json"), ("orders:deleted", "order-unknown-fields.json"),
        ("customers:created", "customer.json"), ("customers:deleted", "customer.json"), ("events:created", "event.json"),
    ])
    func everyFixtureDecodes(topic: String, file: String) throws {
        let body = try Fixture.bytes(file)
        let event = try MalomoWebhookEvent.decode(topic: topic, body: body)
        #expect(event.topic == topic)
        let raw: [UInt8]? =
            event.order?.rawJSON ?? event.customer?.rawJSON
            ?? {
                if case .eventCreated(let e) = event { return e.rawJSON }
                return nil
            }()
        #expect(raw == body, "the raw JSON stays available")
    }

    @Test func fullOrder() throws {
        let order = try order("order.json")
        #expect(order.id == "c2a7e9b4-1d3f-4a6b-8e5c-9f0a1b2c3d4e")
        #expect(order.alternateID == "5523016449801")
        #expect(order.number == "4821")
        #expect(order.meta?["shopify_order"]?["order_id"]?.integerValue == 5_523_016_449_801)
        #expect(order.customer?.firstName == "Maya")
        #expect(order.customer?.id == "3f9d2c4e-8b1a-4e7f-9a2d-6c5b4e3f2a10")
        #expect(order.createdAt?.instant == Date(timeIntervalSince1970: 1_710_169_361))
        #expect(order.shipments.count == 2)
        let usps = try #require(order.shipments.first { $0.carrier == .usps })
        let fedex = try #require(order.shipments.first { $0.carrier == .fedex })
        #expect(usps.status == .delivered)
        #expect(usps.scanEvents.count == 5)
        #expect(fedex.status == .inTransit)
        #expect(fedex.scanEvents.count == 3)
        // Zone-less shipment times stay carrier-local, distinguishable from UTC instants.
        let delivered = try #require(usps.deliveredAt)
        #expect(delivered.isLocal)
        #expect(delivered.instant == nil)
        #expect(usps.estimatedLocalDeliveredOn.map { if case .date = $0.kind { true } else { false } } == true)
        // FedEx zone-less scan times are UTC (Malomo.js); USPS ones have no known zone.
        let fedexScan = try #require(fedex.scanEvents.first)
        #expect(fedexScan.scannedAtInstant(carrier: .fedex) == fedexScan.scannedAt!.instant(assumingUTCOffsetSeconds: 0))
        #expect(usps.scanEvents.first!.scannedAtInstant(carrier: .usps) == nil)
        #expect(usps.scanEventsChronological.map(\.scannedAt!.rawValue) == usps.scanEvents.map(\.scannedAt!.rawValue).sorted())
    }

    @Test func minimalOrder() throws {
        let order = try order("order-minimal.json")
        #expect(order.customer == nil)
        #expect(order.meta == nil || order.meta == .null)
        #expect(order.email == nil && order.alternateID == nil && order.updatedAt == nil)
        let shipment = try #require(order.shipments.first)
        #expect(shipment.status == .unknown("unknown"))
        #expect(shipment.scanEvents.isEmpty)
        #expect(shipment.origin == nil && shipment.destination == nil)
    }

    @Test func unknownFieldsAndEnumValues() throws {
        let order = try order("order-unknown-fields.json")
        let shipment = try #require(order.shipments.first)
        let details = shipment.scanEvents.compactMap(\.statusDetail)
        #expect(details.contains(.unknown("parcel_locker_assigned")))
        #expect(shipment.estimatedDeliveryDate != nil)
        #expect(shipment.localEstimatedDeliveryDate != nil)
    }

    @Test func timelineEvent() throws {
        guard case .eventCreated(let event) = try MalomoWebhookEvent.decode(topic: "events:created", body: try Fixture.bytes("event.json")) else {
            Issue.record("expected eventCreated")
            return
        }
        #expect(event.type == "ShopifyOrderFulfilled")
        #expect(event.timestamp?.instant == Date(timeIntervalSince1970: 1_710_261_900))
        #expect(event.properties?["shopify_order"]?["id"]?.stringValue == "5523016449801")
    }
}
