import MalomoModels
import Testing

/// Hostile numbers in records: what used to trap every consumer of a partition.
@Suite struct NumericExtremeTests {
    func decodeOrder(_ json: String) throws -> Order {
        try #require(try MalomoWebhookEvent.decode(topic: "orders:created", body: Array(json.utf8)).order)
    }

    /// Numbers of any magnitude where a timestamp goes decode, never trap (a trap here would
    /// kill every consumer of the partition, at the same offset, forever).
    @Test(arguments: [
        ("1e19", "1e+19"), ("-1e19", "-1e+19"), ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"), ("1.5", "1.5"), ("0", "0"), ("1e308", "1e+308"),
    ])
    func numericTimestampsOfAnyMagnitude(number: String, text: String) throws {
        let order = try decodeOrder(#"{"id":"o","created_at":\#(number),"shipments":[{"id":"s","delivered_at":\#(number)}]}"#)
        #expect(order.createdAt?.rawValue == text)
        #expect(order.createdAt?.instant != nil)
        #expect(order.shipments.first?.deliveredAt?.rawValue == text)
    }

    @Test func numbersBeyondDoubleAreNotTimestamps() throws {
        let order = try decodeOrder(#"{"id":"o","created_at":1e400,"updated_at":-1e400}"#)
        #expect(order.createdAt == nil)
        #expect(order.updatedAt == nil)
        #expect(throws: MalomoDecodingError.self) { try MalomoWebhookEvent.decode(topic: "orders:created", body: Array(#"{"id":1e400}"#.utf8)) }
    }

    @Test func farOffsetsDoNotOverflow() throws {
        let local = try #require(MalomoTimestamp("2024-03-12T09:41:00"))
        _ = local.instant(assumingUTCOffsetSeconds: .max)
        _ = local.instant(assumingUTCOffsetSeconds: .min)
        _ = try #require(MalomoTimestamp("2024-03-12")).instant(assumingUTCOffsetSeconds: .min)
    }
}
