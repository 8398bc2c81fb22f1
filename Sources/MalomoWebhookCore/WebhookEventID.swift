import Crypto

/// The id the bridge gives an event: lowercase hex SHA-256 of the raw body.
///
/// Malomo sends no event id, and retries resend the same bytes, so equal ids mean the
/// same delivery: consumers drop duplicates by it.
public enum WebhookEventID {
    /// The event id of a body.
    public static func of(_ body: UnsafeRawBufferPointer) -> String {
        Hex.encode(SHA256.hash(data: body))
    }

    /// The event id of a body.
    public static func of(_ body: [UInt8]) -> String {
        body.withUnsafeBytes { of($0) }
    }
}
