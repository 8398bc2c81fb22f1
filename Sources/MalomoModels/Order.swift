/// A Malomo order with its shipments.
public struct Order: Sendable, Hashable, Codable {
    public var id: String
    /// The shop's own order id, as text (never an integer).
    public var alternateID: String?
    /// The number the shopper sees, e.g. `"1000"` (text).
    public var number: String?
    public var email: String?
    /// `nil` when absent or detached (`null`); embedded customers may be partial.
    public var customer: Customer?
    /// Free-form merchant data.
    public var meta: JSONValue?
    public var shipments: [Shipment]
    public var createdAt: MalomoTimestamp?
    public var updatedAt: MalomoTimestamp?
    /// The raw JSON this value was decoded from, when it was decoded as a delivery's top-level resource.
    public var rawJSON: [UInt8]?

    enum CodingKeys: String, CodingKey {
        case id, number, email, customer, meta, shipments
        case alternateID = "alternate_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try c.identifier(.id)
        self.alternateID = c.text(.alternateID)
        self.number = c.text(.number)
        self.email = c.text(.email)
        self.customer = c.tolerant(Customer.self, .customer)
        self.meta = c.tolerant(JSONValue.self, .meta)
        self.shipments = c.tolerant([Tolerant<Shipment>].self, .shipments)?.compactMap(\.value) ?? []
        self.createdAt = c.tolerant(MalomoTimestamp.self, .createdAt)
        self.updatedAt = c.tolerant(MalomoTimestamp.self, .updatedAt)
        self.rawJSON = nil
    }
}
