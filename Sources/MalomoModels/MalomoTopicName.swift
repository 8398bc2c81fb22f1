/// The Malomo topics this library decodes, for choosing what to consume.
public enum MalomoTopicName: String, Sendable, Hashable, CaseIterable, Codable {
    case ordersCreated = "orders:created"
    case ordersUpdated = "orders:updated"
    case ordersDeleted = "orders:deleted"
    case customersCreated = "customers:created"
    case customersUpdated = "customers:updated"
    case customersDeleted = "customers:deleted"
    case eventsCreated = "events:created"

    /// The Kafka topic the bridge writes it to: `prefix` + the topic with `:` → `.`.
    public func kafkaTopic(prefix: String = "malomo.") -> String {
        prefix + self.rawValue.replacingColons()
    }
}

extension String {
    fileprivate func replacingColons() -> String { String(self.map { $0 == ":" ? "." : $0 }) }
}
