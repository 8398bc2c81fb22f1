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
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.id = c.text(.id)
        self.email = c.text(.email)
        self.firstName = c.text(.firstName)
        self.lastName = c.text(.lastName)
        self.phoneNumber = c.text(.phoneNumber)
        self.createdAt = c.tolerant(MalomoTimestamp.self, .createdAt)
        self.updatedAt = c.tolerant(MalomoTimestamp.self, .updatedAt)
        self.rawJSON = nil
    }
}
