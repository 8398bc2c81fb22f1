/// A Malomo webhook topic such as `orders:created`: one of the seven Malomo documents, or a
/// well-formed one it may add later.
///
/// Well-formed: two or more non-empty segments separated by `:`, each made of lowercase
/// ASCII letters, digits, `_` or `-`, at most ``maximumLength`` bytes. Such a topic maps to a
/// legal, unambiguous Kafka topic name (see ``kafkaTopic(prefix:)``).
public struct MalomoTopic: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The topic as Malomo sends it in `Malomo-Topic`, e.g. `orders:created`.
    public let rawValue: String

    /// `customers:created`.
    public static let customersCreated = MalomoTopic(validated: "customers:created")
    /// `customers:updated`.
    public static let customersUpdated = MalomoTopic(validated: "customers:updated")
    /// `customers:deleted`.
    public static let customersDeleted = MalomoTopic(validated: "customers:deleted")
    /// `events:created`: Malomo's Event resource (a timeline entry on an order).
    public static let eventsCreated = MalomoTopic(validated: "events:created")
    /// `orders:created`.
    public static let ordersCreated = MalomoTopic(validated: "orders:created")
    /// `orders:updated`: shipment and scan-event changes arrive this way.
    public static let ordersUpdated = MalomoTopic(validated: "orders:updated")
    /// `orders:deleted`.
    public static let ordersDeleted = MalomoTopic(validated: "orders:deleted")

    /// The seven topics Malomo documents, in a stable order. The bridge routes only these by
    /// default (`MALOMO_ALLOWED_TOPICS`).
    public static let known: [MalomoTopic] = [
        .customersCreated, .customersUpdated, .customersDeleted, .eventsCreated, .ordersCreated, .ordersUpdated,
        .ordersDeleted,
    ]

    /// The longest topic accepted (Kafka topic names end at 249 bytes, and a prefix comes first).
    public static let maximumLength = 200

    /// Validates a `Malomo-Topic` header value; `nil` when it is malformed.
    public init?(_ text: String) {
        guard MalomoTopic.isWellFormed(text.utf8) else { return nil }
        self.rawValue = text
    }

    private init(validated: String) { self.rawValue = validated }

    /// The Kafka topic it is written to: `prefix` + the topic with `:` replaced by `.`
    /// (`orders:created` → `malomo.orders.created` with the default prefix).
    public func kafkaTopic(prefix: String = MalomoContractDefaults.topicPrefix) -> String {
        prefix + self.dotted
    }

    /// The topic with `:` replaced by `.` (`orders.created`), as used in Kafka topic names and
    /// in the CloudEvents `type`.
    public var dotted: String {
        String(decoding: self.rawValue.utf8.map { $0 == UInt8(ascii: ":") ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
    }

    /// The Malomo topic a Kafka topic carries, the inverse of ``kafkaTopic(prefix:)``: `nil` when
    /// `kafkaTopic` does not start with `prefix` or the rest is not a well-formed topic.
    public init?(kafkaTopic: String, prefix: String = MalomoContractDefaults.topicPrefix) {
        guard kafkaTopic.hasPrefix(prefix) else { return nil }
        let rest = kafkaTopic.utf8.dropFirst(prefix.utf8.count).map { $0 == UInt8(ascii: ".") ? UInt8(ascii: ":") : $0 }
        self.init(String(decoding: rest, as: UTF8.self))
    }

    /// Whether this is one of the seven topics Malomo documents.
    public var isKnown: Bool { MalomoTopic.known.contains(self) }

    public var description: String { self.rawValue }

    public static func < (lhs: MalomoTopic, rhs: MalomoTopic) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether header bytes form a well-formed topic (see the type's documentation).
    public static func isWellFormed(_ utf8: some Collection<UInt8>) -> Bool {
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
