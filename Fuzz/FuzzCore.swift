// libFuzzer entry point: the bridge's parsers of unauthenticated input and the consumer
// library's decode path. Built by Fuzz/run with `swiftc -sanitize=fuzzer,address -parse-as-library`.

import Foundation
import MalomoContract

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCore(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)

    // The body: the contract's one grammar must never crash, and a key is only ever taken
    // from a document that scanned as valid.
    let scan = Result<JSONRoutingScan, JSONScanError> { () throws(JSONScanError) in try JSONRoutingScan(bytes) }
    if case .success(let routing) = scan, let id = routing.id {
        precondition(id.count <= size * 4, "key longer than the input allows")
    }

    // The oracle: Foundation's JSONSerialization. Whatever the contract's grammar accepts it
    // must accept too, with the same top-level "id". (Not the converse: it is more lenient,
    // e.g. it takes trailing commas, which RFC 8259 and the contract refuse.) It refuses
    // numbers beyond Double's range, which RFC 8259 leaves to implementations: such documents
    // are skipped here, and the models' decoding of them is fuzzed below.
    if case .success(let routing) = scan, allNumbersAreFinite(bytes) {
        let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        precondition(foundation != nil, "valid for the contract's scanner, invalid for JSONSerialization")
        if let object = foundation as? [String: Any], let id = object["id"] as? String {
            precondition(routing.id == Array(id.utf8), "the scan and JSONSerialization extract different ids")
        }
    }

    // The consumer library's value parser is the same grammar: it must agree exactly.
    let parsed = Result<JSONValue, JSONScanError> { () throws(JSONScanError) in try JSONValue(parsing: Array(bytes)) }
    switch (scan, parsed) {
    case (.success(let routing), .success(let value)):
        if case .string(let id)? = value["id"] { precondition(routing.id == Array(id.utf8), "the two visitors extract different ids") }
    case (.failure(let a), .failure(let b)):
        precondition(a == b, "one grammar, one error: \(a) vs \(b)")
    default:
        preconditionFailure("the routing scan and the value parser disagree on validity")
    }

    // Every topic's decode: a typed event or a typed error, never a trap.
    let body = Array(bytes)
    for topic in MalomoTopic.known {
        if let event = try? MalomoWebhookEvent.decode(topic: topic.rawValue, body: body) {
            precondition(event.topic == topic.rawValue)
            _ = "\(event)"
        }
    }
    _ = try? MalomoDelivery.decode(
        kafkaTopic: "malomo.orders.created",
        partition: 0,
        offset: 0,
        key: nil,
        headers: [(key: "malomo-received-at", value: body), (key: "malomo-attempt-number", value: body)],
        value: body
    )

    // Headers: the same bytes read as header text.
    let text = String(decoding: bytes, as: UTF8.self)
    if let digest = SignatureHeader.digest(text) {
        precondition(digest.count == 32)
    }
    if let topic = MalomoTopic(text) {
        let kafka = topic.kafkaTopic(prefix: "malomo.")
        precondition(kafka.utf8.count <= 249, "Kafka topic names end at 249 bytes")
        precondition(
            kafka.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D },
            "only legal Kafka topic characters"
        )
        precondition(!kafka.contains(":"))
        precondition(MalomoTopic(kafkaTopic: kafka) == topic, "Kafka topic naming round-trips")
    }
    _ = MalomoTimestamp(text)
    _ = Int(text)
    if size >= 8 {
        let millis = bytes.loadUnaligned(as: Int64.self)
        let formatted = RFC3339Timestamp.format(millisecondsSinceEpoch: millis)
        precondition(formatted.utf8.count == 24, "always YYYY-MM-DDTHH:MM:SS.mmmZ")
    }
    return 0
}

/// Whether every number in a (valid) document is within Double's range.
private func allNumbersAreFinite(_ bytes: UnsafeRawBufferPointer) -> Bool {
    struct Numbers: JSONScanVisitor {
        var finite = true
        mutating func beginObject() {}
        mutating func key(_ name: JSONScanner.StringToken) {}
        mutating func endObject() {}
        mutating func beginArray() {}
        mutating func endArray() {}
        mutating func string(_ value: JSONScanner.StringToken) {}
        mutating func number(_ text: UnsafeRawBufferPointer, isInteger: Bool) {
            if !(Double(String(decoding: text, as: UTF8.self))?.isFinite ?? false) { self.finite = false }
        }
        mutating func bool(_ value: Bool) {}
        mutating func null() {}
    }
    var numbers = Numbers()
    do { try JSONScanner.scan(bytes, visitor: &numbers) } catch { return false }
    return numbers.finite
}
