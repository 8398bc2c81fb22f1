/// A shipment's (or scan's) status. Malomo's own `"unknown"` (the carrier has no status)
/// decodes as `.unknown("unknown")`, like any value this library does not know yet.
public enum ShipmentStatus: MalomoOpenEnum {
    case preTransit
    case inTransit
    case outForDelivery
    case delivered
    case availableForPickup
    case returnToSender
    case failure
    case cancelled
    case error
    case unknown(String)

    public static let knownValues: [String: ShipmentStatus] = table([
        .preTransit, .inTransit, .outForDelivery, .delivered, .availableForPickup, .returnToSender, .failure,
        .cancelled, .error,
    ])

    public var rawValue: String {
        switch self {
        case .preTransit: "pre_transit"
        case .inTransit: "in_transit"
        case .outForDelivery: "out_for_delivery"
        case .delivered: "delivered"
        case .availableForPickup: "available_for_pickup"
        case .returnToSender: "return_to_sender"
        case .failure: "failure"
        case .cancelled: "cancelled"
        case .error: "error"
        case .unknown(let value): value
        }
    }
}
