import MalomoContract

/// One webhook delivery's content, typed by its Malomo topic.
public enum MalomoWebhookEvent: Sendable, Hashable {
    case orderCreated(Order)
    case orderUpdated(Order)
    case orderDeleted(Order)
    case customerCreated(Customer)
    case customerUpdated(Customer)
    case customerDeleted(Customer)
    /// `events:created`: Malomo's Event resource.
    case eventCreated(MalomoTimelineEvent)
    /// A topic this library does not know yet, with the raw body.
    case unknown(topic: String, raw: [UInt8])

    /// The Malomo topic, e.g. `orders:created`.
    public var topic: String {
        switch self {
        case .orderCreated: MalomoTopic.ordersCreated.rawValue
        case .orderUpdated: MalomoTopic.ordersUpdated.rawValue
        case .orderDeleted: MalomoTopic.ordersDeleted.rawValue
        case .customerCreated: MalomoTopic.customersCreated.rawValue
        case .customerUpdated: MalomoTopic.customersUpdated.rawValue
        case .customerDeleted: MalomoTopic.customersDeleted.rawValue
        case .eventCreated: MalomoTopic.eventsCreated.rawValue
        case .unknown(let topic, _): topic
        }
    }

    /// The order, for `orders:*`.
    public var order: Order? {
        switch self {
        case .orderCreated(let order), .orderUpdated(let order), .orderDeleted(let order): order
        default: nil
        }
    }

    /// The customer, for `customers:*`.
    public var customer: Customer? {
        switch self {
        case .customerCreated(let customer), .customerUpdated(let customer), .customerDeleted(let customer): customer
        default: nil
        }
    }
}
