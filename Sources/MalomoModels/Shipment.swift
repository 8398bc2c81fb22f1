/// A parcel of an order, with its tracking history.
public struct Shipment: Sendable, Hashable, Codable {
    public var id: String
    public var carrier: Carrier?
    /// Display name, e.g. `USPS`.
    public var carrierName: String?
    public var carrierService: String?
    /// The carrier's public tracking page.
    public var carrierURL: String?
    public var trackingCode: String?
    public var status: ShipmentStatus?
    public var isReturn: Bool?
    public var origin: Location?
    public var destination: Location?
    public var alternativeCarrierIdentifier: String?
    public var containerType: String?
    public var deliveredAt: MalomoTimestamp?
    public var estimatedDeliveredAt: MalomoTimestamp?
    public var originalEstimatedDeliveredAt: MalomoTimestamp?
    public var estimatedLocalDeliveredAt: MalomoTimestamp?
    /// Probably a date only.
    public var estimatedLocalDeliveredOn: MalomoTimestamp?
    public var guaranteedDeliveredAt: MalomoTimestamp?
    public var initialDeliveryAttemptedAt: MalomoTimestamp?
    /// Not in Malomo's docs; read by Malomo.js.
    public var estimatedDeliveryDate: MalomoTimestamp?
    /// Not in Malomo's docs; read by Malomo.js.
    public var localEstimatedDeliveryDate: MalomoTimestamp?
    /// As sent (order unknown); see ``scanEventsChronological``.
    public var scanEvents: [ScanEvent]

    enum CodingKeys: String, CodingKey {
        case id, carrier, status, origin, destination
        case carrierName = "carrier_name"
        case carrierService = "carrier_service"
        case carrierURL = "carrier_url"
        case trackingCode = "tracking_code"
        case isReturn = "is_return"
        case alternativeCarrierIdentifier = "alternative_carrier_identifier"
        case containerType = "container_type"
        case deliveredAt = "delivered_at"
        case estimatedDeliveredAt = "estimated_delivered_at"
        case originalEstimatedDeliveredAt = "original_estimated_delivered_at"
        case estimatedLocalDeliveredAt = "estimated_local_delivered_at"
        case estimatedLocalDeliveredOn = "estimated_local_delivered_on"
        case guaranteedDeliveredAt = "guaranteed_delivered_at"
        case initialDeliveryAttemptedAt = "initial_delivery_attempted_at"
        case estimatedDeliveryDate = "estimated_delivery_date"
        case localEstimatedDeliveryDate = "local_estimated_delivery_date"
        case scanEvents = "scan_events"
    }

    public init(from decoder: any Decoder) throws {
        self = try decodeThroughJSON(decoder, Shipment.init(json:), "shipment")
    }

    /// A shipment from JSON; `nil` unless it is an object with an `id`.
    public init?(json: JSONValue) {
        guard let members = json.objectValue, let id = members["id"]?.text else { return nil }
        self.id = id
        self.carrier = Carrier(json: members["carrier"])
        self.carrierName = members["carrier_name"]?.text
        self.carrierService = members["carrier_service"]?.text
        self.carrierURL = members["carrier_url"]?.text
        self.trackingCode = members["tracking_code"]?.text
        self.status = ShipmentStatus(json: members["status"])
        self.isReturn = members["is_return"]?.bool
        self.origin = members["origin"].flatMap(Location.init(json:))
        self.destination = members["destination"].flatMap(Location.init(json:))
        self.alternativeCarrierIdentifier = members["alternative_carrier_identifier"]?.text
        self.containerType = members["container_type"]?.text
        self.deliveredAt = MalomoTimestamp(json: members["delivered_at"])
        self.estimatedDeliveredAt = MalomoTimestamp(json: members["estimated_delivered_at"])
        self.originalEstimatedDeliveredAt = MalomoTimestamp(json: members["original_estimated_delivered_at"])
        self.estimatedLocalDeliveredAt = MalomoTimestamp(json: members["estimated_local_delivered_at"])
        self.estimatedLocalDeliveredOn = MalomoTimestamp(json: members["estimated_local_delivered_on"])
        self.guaranteedDeliveredAt = MalomoTimestamp(json: members["guaranteed_delivered_at"])
        self.initialDeliveryAttemptedAt = MalomoTimestamp(json: members["initial_delivery_attempted_at"])
        self.estimatedDeliveryDate = MalomoTimestamp(json: members["estimated_delivery_date"])
        self.localEstimatedDeliveryDate = MalomoTimestamp(json: members["local_estimated_delivery_date"])
        self.scanEvents = members["scan_events"]?.arrayValue?.compactMap(ScanEvent.init(json:)) ?? []
    }

    /// Scan events oldest first, by the wall-clock text of `scanned_at` (Malomo sends them
    /// unordered; Malomo.js sorts them the same way). Events without a time come last.
    public var scanEventsChronological: [ScanEvent] {
        self.scanEvents.sorted { ($0.scannedAt?.rawValue ?? "\u{10FFFF}") < ($1.scannedAt?.rawValue ?? "\u{10FFFF}") }
    }

    /// The most recent scan, if any.
    public var latestScanEvent: ScanEvent? { self.scanEventsChronological.last { $0.scannedAt != nil } }
}
