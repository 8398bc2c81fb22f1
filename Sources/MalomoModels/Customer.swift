/// A Malomo customer. Also the customer embedded in an ``Order``, where every field,
/// `id` included, may be missing.
public struct Customer: Sendable, Hashable, Codable {
    /// Malomo's id. Optional because an order's embedded customer may omit it.
    public var id: String?
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    /// Free-form; not validated.
    public var phoneNumber: String?
    public var createdAt: MalomoTimestamp?
    public var updatedAt: MalomoTimestamp?
    /// The raw JSON this value was decoded from, when it was decoded as a delivery's top-level resource.
    public var rawJSON: [UInt8]?

    enum CodingKeys: String, CodingKey {
        case id, email
        case firstName = "first_name"
        case lastName = "last_name"
        case phoneNumber = "phone_number"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        self = try decodeThroughJSON(decoder, Customer.init(json:), "customer")
    }

    /// A customer from JSON; `nil` unless it is an object (an embedded customer may lack `id`).
    public init?(json: JSONValue) {
        guard let members = json.objectValue else { return nil }
        self.id = members["id"]?.text
        self.email = members["email"]?.text
        self.firstName = members["first_name"]?.text
        self.lastName = members["last_name"]?.text
        self.phoneNumber = members["phone_number"]?.text
        self.createdAt = MalomoTimestamp(json: members["created_at"])
        self.updatedAt = MalomoTimestamp(json: members["updated_at"])
        self.rawJSON = nil
    }
}
