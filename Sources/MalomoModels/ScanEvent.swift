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
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.carrierCode = c.text(.carrierCode)
        self.description = c.text(.description)
        self.message = c.text(.message)
        self.location = c.tolerant(Location.self, .location)
        self.scannedAt = c.tolerant(MalomoTimestamp.self, .scannedAt)
        self.source = c.text(.source)
        self.status = c.tolerant(ShipmentStatus.self, .status)
        self.statusDetail = c.tolerant(ShipmentStatusDetail.self, .statusDetail)
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
