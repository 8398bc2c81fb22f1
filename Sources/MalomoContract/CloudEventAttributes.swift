/// The CloudEvents 1.0 attributes of one bridge record (binary content mode of the Kafka
/// protocol binding: each attribute is a `ce_` header, the record value is the data).
public struct CloudEventAttributes: Sendable, Hashable {
    /// `specversion`: `1.0`.
    public var specVersion: String
    /// `id`: the event id.
    public var id: String
    /// `type`: `com.gomalomo.orders.created` and so on.
    public var type: String
    /// `source`: `https://api.gomalomo.com/webhooks/<webhook id>`.
    public var source: String
    /// `time`: RFC 3339 UTC, the receive time.
    public var time: String?
    /// `subject`: the resource id, when the body has one.
    public var subject: String?

    /// The CloudEvents version written.
    public static let specVersion = "1.0"
    /// `type` = this + the dotted Malomo topic.
    public static let typePrefix = "com.gomalomo."
    /// `type` when the topic is missing or malformed (such records are dead letters).
    public static let unknownType = "com.gomalomo.unknown"
    /// `source` = this + `/` + the webhook id; this alone when the request had none.
    public static let sourceBase = "https://api.gomalomo.com/webhooks"

    /// Creates attributes.
    public init(specVersion: String = Self.specVersion, id: String, type: String, source: String, time: String?, subject: String?) {
        self.specVersion = specVersion
        self.id = id
        self.type = type
        self.source = source
        self.time = time
        self.subject = subject
    }

    /// The `type` of a Malomo topic (`com.gomalomo.orders.created`).
    public static func type(for topic: MalomoTopic?) -> String {
        topic.map { typePrefix + $0.dotted } ?? unknownType
    }

    /// The `source` of a webhook id. The id must be a ``isValidWebhookID(_:)`` value.
    public static func source(webhookID: String?) -> String {
        webhookID.map { sourceBase + "/" + $0 } ?? sourceBase
    }

    /// Whether a `Malomo-Webhook-Id` can go into a header and a URI path segment: 1 to 255
    /// bytes, each an RFC 3986 path character that needs no percent-encoding (letters, digits,
    /// `-._~!$&'()*+,;=:@`). Malomo's ids are UUIDs.
    public static func isValidWebhookID(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 255 else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default: "-._~!$&'()*+,;=:@".utf8.contains(byte)
            }
        }
    }

    /// Whether a resource id can be the `subject`: CloudEvents attribute values may not hold
    /// control characters (a JSON `\u0000` escape could put one there), and a header stays short.
    public static func isValidSubject(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 1024 && text.unicodeScalars.allSatisfy { !($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }
    }
}
