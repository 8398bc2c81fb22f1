/// One carrier tracking scan of a shipment.
public struct ScanEvent: Sendable, Hashable, Codable {
    /// The carrier's own event code (e.g. USPS `OA`). An open set.
    public var carrierCode: String?
    public var description: String?
    /// A longer human line; prefer it for display, falling back to ``description``.
    public var message: String?
    public var location: Location?
    /// When the scan happened. Usually zone-less (carrier-local); see ``scannedAtInstant(carrier:)``.
    public var scannedAt: MalomoTimestamp?
    /// Who reported the scan (free text).
    public var source: String?
    public var status: ShipmentStatus?
    public var statusDetail: ShipmentStatusDetail?

    enum CodingKeys: String, CodingKey {
        case description, message, location, source, status
        case carrierCode = "carrier_code"
        case scannedAt = "scanned_at"
        case statusDetail = "status_detail"
    }

    public init(from decoder: any Decoder) throws {
        self = try decodeThroughJSON(decoder, ScanEvent.init(json:), "scan event")
    }

    /// A scan event from JSON; `nil` unless it is an object.
    public init?(json: JSONValue) {
        guard let members = json.objectValue else { return nil }
        self.carrierCode = members["carrier_code"]?.text
        self.description = members["description"]?.text
        self.message = members["message"]?.text
        self.location = members["location"].flatMap(Location.init(json:))
        self.scannedAt = MalomoTimestamp(json: members["scanned_at"])
        self.source = members["source"]?.text
        self.status = ShipmentStatus(json: members["status"])
        self.statusDetail = ShipmentStatusDetail(json: members["status_detail"])
    }

    /// The scan time as an instant when it can be known: zoned values as they are, and
    /// zone-less FedEx values as UTC (as Malomo.js reads them). `nil` for other carriers'
    /// zone-less times, whose zone is not given.
    public func scannedAtInstant(carrier: Carrier?) -> Date? {
        guard let scannedAt else { return nil }
        if let instant = scannedAt.instant { return instant }
        if carrier == .fedex, case .localDateTime = scannedAt.kind { return scannedAt.instant(assumingUTCOffsetSeconds: 0) }
        return nil
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
