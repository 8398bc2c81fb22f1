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
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try c.identifier(.id)
        self.type = c.text(.type)
        self.label = c.text(.label)
        self.linkBackURL = c.text(.linkBackURL)
        self.properties = c.tolerant(JSONValue.self, .properties)
        self.timestamp = c.tolerant(MalomoTimestamp.self, .timestamp)
        self.createdAt = c.tolerant(MalomoTimestamp.self, .createdAt)
        self.updatedAt = c.tolerant(MalomoTimestamp.self, .updatedAt)
        self.rawJSON = nil
    }
}
