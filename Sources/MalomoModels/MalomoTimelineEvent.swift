/// Malomo's *Event* resource: a custom timeline entry on an order or customer (e.g.
/// `ShopifyOrderFulfilled`), delivered on `events:created`. Not to be confused with a
/// webhook delivery, which is a ``MalomoWebhookEvent``.
public struct MalomoTimelineEvent: Sendable, Hashable, Codable {
    public var id: String
    /// PascalCase machine name, e.g. `ShopifyOrderFulfilled`. An open set.
    public var type: String?
    /// Readable title.
    public var label: String?
    public var linkBackURL: String?
    /// Free-form event data.
    public var properties: JSONValue?
    /// When it happened (Unix seconds on the wire).
    public var timestamp: MalomoTimestamp?
    public var createdAt: MalomoTimestamp?
    public var updatedAt: MalomoTimestamp?
    /// The raw JSON this value was decoded from, when it was decoded as a delivery's top-level resource.
    public var rawJSON: [UInt8]?

    enum CodingKeys: String, CodingKey {
        case id, type, label, properties, timestamp
        case linkBackURL = "link_back_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        self = try decodeThroughJSON(decoder, MalomoTimelineEvent.init(json:), "event")
    }

    /// An event from JSON; `nil` unless it is an object with an `id`.
    public init?(json: JSONValue) {
        guard let members = json.objectValue, let id = members["id"]?.text else { return nil }
        self.id = id
        self.type = members["type"]?.text
        self.label = members["label"]?.text
        self.linkBackURL = members["link_back_url"]?.text
        self.properties = members["properties"].flatMap { $0 == .null ? nil : $0 }
        self.timestamp = MalomoTimestamp(json: members["timestamp"])
        self.createdAt = MalomoTimestamp(json: members["created_at"])
        self.updatedAt = MalomoTimestamp(json: members["updated_at"])
        self.rawJSON = nil
    }
}
