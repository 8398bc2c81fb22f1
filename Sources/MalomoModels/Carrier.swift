/// A carrier slug (`usps`, `fedex`, …). Malomo's list is not public, so only the slugs
/// seen are cases; keep ``Shipment/carrierName`` for display.
public enum Carrier: MalomoOpenEnum {
    case usps
    case fedex
    case ups
    case dhl
    case unknown(String)

    public static let knownValues: [String: Carrier] = table([.usps, .fedex, .ups, .dhl])

    public var rawValue: String {
        switch self {
        case .usps: "usps"
        case .fedex: "fedex"
        case .ups: "ups"
        case .dhl: "dhl"
        case .unknown(let value): value
        }
    }
}
