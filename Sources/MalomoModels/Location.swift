/// A place: a shipment's origin or destination, or where a scan happened. Carrier text, not normalised.
public struct Location: Sendable, Hashable, Codable {
    public var city: String?
    public var state: String?
    /// Kept as text: leading zeros and non-US formats.
    public var postalCode: String?
    public var country: String?

    enum CodingKeys: String, CodingKey {
        case city, state, country
        case postalCode = "postal_code"
    }

    public init(city: String? = nil, state: String? = nil, postalCode: String? = nil, country: String? = nil) {
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.country = country
    }

    public init(from decoder: any Decoder) throws {
        self = try decodeThroughJSON(decoder, Location.init(json:), "location")
    }

    /// A location from JSON; `nil` unless it is an object.
    public init?(json: JSONValue) {
        guard let members = json.objectValue else { return nil }
        self.city = members["city"]?.text
        self.state = members["state"]?.text
        self.postalCode = members["postal_code"]?.text
        self.country = members["country"]?.text
    }
}
