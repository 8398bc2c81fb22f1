/// The id the bridge gives an event (`malomo-event-id`, CloudEvents `id`, the 202's
/// `event_id`), version 2: lowercase hex SHA-256 over the `Malomo-Topic` header value
/// (UTF-8; empty when absent), one LF byte (`0x0A`), then the raw body.
///
/// Malomo sends no event id. Its retries of one event resend the same topic and body, so
/// they keep their id and consumers drop the duplicate; the same body under another topic
/// (a `customers:deleted` equal to the last `customers:updated`) is another event.
public enum MalomoEventID {
    /// The event id of a body delivered under a topic header, hashed with the contract's own
    /// ``SHA256``.
    public static func of(topic: String?, body: UnsafeRawBufferPointer) -> String {
        of(topic: topic, body: body, using: SHA256.self)
    }

    /// The event id of a body delivered under a topic header, hashed with `Hash`: the same id
    /// whatever implementation of SHA-256 computes it (the bridge uses swift-crypto's, which
    /// runs on the CPU's SHA instructions).
    @inlinable
    public static func of<Hash: MalomoEventIDHashFunction>(
        topic: String?,
        body: UnsafeRawBufferPointer,
        using _: Hash.Type
    ) -> String {
        var hasher = Hash()
        if var topic {
            topic.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        }
        withUnsafeBytes(of: UInt8(0x0A)) { hasher.update($0) }
        hasher.update(body)
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { hasher.finalize(into: $0) }
        return withUnsafeBytes(of: digest) { lowercaseHex($0) }
    }

    /// `bytes` as lowercase hexadecimal digits, two per byte.
    @usableFromInline
    static func lowercaseHex(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            let digits: StaticString = "0123456789abcdef"
            for i in 0..<bytes.count {
                out[i * 2] = digits.utf8Start[Int(bytes[i] >> 4)]
                out[i * 2 + 1] = digits.utf8Start[Int(bytes[i] & 0x0F)]
            }
            return bytes.count * 2
        }
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
