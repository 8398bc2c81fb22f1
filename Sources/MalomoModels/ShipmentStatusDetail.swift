/// A scan's finer sub-status. The known cases are the values seen in Malomo's docs plus
/// EasyPost's list, which Malomo's vocabulary mirrors; others decode as `unknown`.
public enum ShipmentStatusDetail: MalomoOpenEnum {
    case labelCreated
    case receivedAtOriginFacility
    case arrivedAtFacility
    case departedFacility
    case departedOriginFacility
    case arrivedAtDestination
    case receivedAtDestinationFacility
    case inTransit
    case outForDelivery
    case arrivedAtPickupLocation
    case addressCorrection
    case awaitingInformation
    case delayed
    case weatherDelay
    case deliveryException
    case transitException
    case held
    case missorted
    case damaged
    case lost
    case refused
    case returned
    case cancelled
    case expired
    case failure
    case statusUpdate
    case transferredToDestinationCarrier
    case unknown(String)

    public static let knownValues: [String: ShipmentStatusDetail] = table([
        .labelCreated, .receivedAtOriginFacility, .arrivedAtFacility, .departedFacility, .departedOriginFacility,
        .arrivedAtDestination, .receivedAtDestinationFacility, .inTransit, .outForDelivery, .arrivedAtPickupLocation,
        .addressCorrection, .awaitingInformation, .delayed, .weatherDelay, .deliveryException, .transitException, .held,
        .missorted, .damaged, .lost, .refused, .returned, .cancelled, .expired, .failure, .statusUpdate,
        .transferredToDestinationCarrier,
    ])

    public var rawValue: String {
        switch self {
        case .labelCreated: "label_created"
        case .receivedAtOriginFacility: "received_at_origin_facility"
        case .arrivedAtFacility: "arrived_at_facility"
        case .departedFacility: "departed_facility"
        case .departedOriginFacility: "departed_origin_facility"
        case .arrivedAtDestination: "arrived_at_destination"
        case .receivedAtDestinationFacility: "received_at_destination_facility"
        case .inTransit: "in_transit"
        case .outForDelivery: "out_for_delivery"
        case .arrivedAtPickupLocation: "arrived_at_pickup_location"
        case .addressCorrection: "address_correction"
        case .awaitingInformation: "awaiting_information"
        case .delayed: "delayed"
        case .weatherDelay: "weather_delay"
        case .deliveryException: "delivery_exception"
        case .transitException: "transit_exception"
        case .held: "held"
        case .missorted: "missorted"
        case .damaged: "damaged"
        case .lost: "lost"
        case .refused: "refused"
        case .returned: "return"
        case .cancelled: "cancelled"
        case .expired: "expired"
        case .failure: "failure"
        case .statusUpdate: "status_update"
        case .transferredToDestinationCarrier: "transferred_to_destination_carrier"
        case .unknown(let value): value
        }
    }
}
