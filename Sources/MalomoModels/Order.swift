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
        self = try decodeThroughJSON(decoder, Order.init(json:), "order")
    }

    /// An order from JSON; `nil` unless it is an object with an `id`.
    public init?(json: JSONValue) {
        guard let members = json.objectValue, let id = members["id"]?.text else { return nil }
        self.id = id
        self.alternateID = members["alternate_id"]?.text
        self.number = members["number"]?.text
        self.email = members["email"]?.text
        self.customer = members["customer"].flatMap(Customer.init(json:))
        self.meta = members["meta"].flatMap { $0 == .null ? nil : $0 }
        self.shipments = members["shipments"]?.arrayValue?.compactMap(Shipment.init(json:)) ?? []
        self.createdAt = MalomoTimestamp(json: members["created_at"])
        self.updatedAt = MalomoTimestamp(json: members["updated_at"])
        self.rawJSON = nil
    }
}
