/// A Malomo webhook topic such as `orders:created`, validated so it maps to a legal,
/// unambiguous Kafka topic name.
///
/// Accepted: two or more non-empty segments separated by `:`, each made of lowercase
/// ASCII letters, digits, `_` or `-`. Topics Malomo adds later route the same way.
public struct MalomoTopic: Sendable, Hashable, CustomStringConvertible {
    /// The topic as Malomo sends it, e.g. `orders:created`.
    public let rawValue: String

    /// The seven topics Malomo documents.
    public static let known: [MalomoTopic] = [
        "customers:created", "customers:updated", "customers:deleted", "events:created",
        "orders:created", "orders:updated", "orders:deleted",
    ].map { MalomoTopic(validated: $0) }

    /// The longest topic accepted (Kafka topic names end at 249 characters).
    public static let maximumLength = 200

    /// Validates a `Malomo-Topic` header value; `nil` when it is malformed.
    public init?(_ text: String) {
        guard MalomoTopic.isWellFormed(text) else { return nil }
        self.rawValue = text
    }

    private init(validated: String) { self.rawValue = validated }

    /// The Kafka topic: `prefix` + the topic with `:` replaced by `.`
    /// (`orders:created` → `malomo.orders.created` with the default prefix).
    public func kafkaTopic(prefix: String) -> String {
        prefix + String(decoding: self.rawValue.utf8.map { $0 == UInt8(ascii: ":") ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
    }

    /// Whether this is one of the topics Malomo documents.
    public var isKnown: Bool { MalomoTopic.known.contains(self) }

    public var description: String { self.rawValue }

    static func isWellFormed(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength else { return false }
        var segments = 1
        var segmentLength = 0
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"),
                UInt8(ascii: "-"):
                segmentLength += 1
            case UInt8(ascii: ":"):
                guard segmentLength > 0 else { return false }
                segments += 1
                segmentLength = 0
            default:
                return false
            }
        }
        return segmentLength > 0 && segments >= 2
    }
}
