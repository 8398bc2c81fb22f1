/// The id the bridge gives an event (`malomo-event-id`, CloudEvents `id`, the 202's
/// `event_id`), version 2: lowercase hex SHA-256 over the `Malomo-Topic` header value
/// (UTF-8; empty when absent), one LF byte (`0x0A`), then the raw body.
///
/// Malomo sends no event id. Its retries of one event resend the same topic and body, so
/// they keep their id and consumers drop the duplicate; the same body under another topic
/// (a `customers:deleted` equal to the last `customers:updated`) is another event.
public enum MalomoEventID {
    /// The event id of a body delivered under a topic header.
    public static func of(topic: String?, body: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        if var topic {
            topic.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        }
        hasher.update(byte: 0x0A)
        hasher.update(body)
        return hasher.finalizeHex()
    }

    /// The event id of a body delivered under a topic header.
    public static func of(topic: String?, body: [UInt8]) -> String {
        body.withUnsafeBytes { of(topic: topic, body: $0) }
    }

    /// Whether text has the form of an event id: 64 lowercase hexadecimal digits.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }
}
