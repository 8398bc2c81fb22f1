// libFuzzer entry point for the bridge's pure core: the parsers that see unauthenticated
// input (signature header, topic header, JSON scan and key extraction, attempt number).
// Built by Fuzz/run with `swiftc -sanitize=fuzzer,address -parse-as-library`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCore(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)

    // The body: scan and key extraction must never crash, and a key is only ever taken
    // from a document that scanned as valid.
    let scan = Result { try JSONRoutingScan(bytes) }
    if case .success(let routing) = scan, let id = routing.id {
        precondition(id.count <= size * 4, "key longer than the input allows")
    }

    // Differential: the consumer library's parser and the bridge's scan implement the same
    // grammar (RFC 8259), so they must agree on validity and on a string "id".
    let parsed = Result { try JSONValue(parsing: Array(bytes)) }
    switch (scan, parsed) {
    case (.success(let routing), .success(let value)):
        if case .string(let id)? = value["id"] {
            precondition(routing.id == Array(id.utf8), "the two readers extract different ids")
        }
    case (.failure(let error), .success):
        precondition("\(error)".contains("nesting deeper"), "valid for the parser, invalid for the scan: \(error)")
    case (.success, .failure(let error)):
        preconditionFailure("valid for the scan, invalid for the parser: \(error)")
    case (.failure, .failure):
        break
    }

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
    }
    _ = Int(text)
    if size >= 8 {
        let millis = bytes.loadUnaligned(as: Int64.self)
        let formatted = RFC3339Timestamp.format(millisecondsSinceEpoch: millis)
        precondition(formatted.utf8.count == 24, "always YYYY-MM-DDTHH:MM:SS.mmmZ")
    }
    return 0
}
