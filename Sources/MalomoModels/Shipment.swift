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
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try c.identifier(.id)
        self.carrier = c.tolerant(Carrier.self, .carrier)
        self.carrierName = c.text(.carrierName)
        self.carrierService = c.text(.carrierService)
        self.carrierURL = c.text(.carrierURL)
        self.trackingCode = c.text(.trackingCode)
        self.status = c.tolerant(ShipmentStatus.self, .status)
        self.isReturn = c.tolerant(Bool.self, .isReturn)
        self.origin = c.tolerant(Location.self, .origin)
        self.destination = c.tolerant(Location.self, .destination)
        self.alternativeCarrierIdentifier = c.text(.alternativeCarrierIdentifier)
        self.containerType = c.text(.containerType)
        self.deliveredAt = c.tolerant(MalomoTimestamp.self, .deliveredAt)
        self.estimatedDeliveredAt = c.tolerant(MalomoTimestamp.self, .estimatedDeliveredAt)
        self.originalEstimatedDeliveredAt = c.tolerant(MalomoTimestamp.self, .originalEstimatedDeliveredAt)
        self.estimatedLocalDeliveredAt = c.tolerant(MalomoTimestamp.self, .estimatedLocalDeliveredAt)
        self.estimatedLocalDeliveredOn = c.tolerant(MalomoTimestamp.self, .estimatedLocalDeliveredOn)
        self.guaranteedDeliveredAt = c.tolerant(MalomoTimestamp.self, .guaranteedDeliveredAt)
        self.initialDeliveryAttemptedAt = c.tolerant(MalomoTimestamp.self, .initialDeliveryAttemptedAt)
        self.estimatedDeliveryDate = c.tolerant(MalomoTimestamp.self, .estimatedDeliveryDate)
        self.localEstimatedDeliveryDate = c.tolerant(MalomoTimestamp.self, .localEstimatedDeliveryDate)
        self.scanEvents = c.tolerant([Tolerant<ScanEvent>].self, .scanEvents)?.compactMap(\.value) ?? []
    }

    /// Scan events oldest first, by the wall-clock text of `scanned_at` (Malomo sends them
    /// unordered; Malomo.js sorts them the same way). Events without a time come last.
    public var scanEventsChronological: [ScanEvent] {
        self.scanEvents.sorted { ($0.scannedAt?.rawValue ?? "\u{10FFFF}") < ($1.scannedAt?.rawValue ?? "\u{10FFFF}") }
    }

    /// The most recent scan, if any.
    public var latestScanEvent: ScanEvent? { self.scanEventsChronological.last { $0.scannedAt != nil } }
}

/// Decodes an element or yields `nil`, so one broken element does not sink its array.
struct Tolerant<T: Decodable & Sendable>: Decodable, Sendable {
    let value: T?
    init(from decoder: any Decoder) throws {
        self.value = try? T(from: decoder)
    }
}
