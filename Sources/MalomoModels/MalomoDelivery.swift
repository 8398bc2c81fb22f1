import MalomoContract

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A decoded webhook delivery read from Kafka: the typed event plus where it came from.
public struct MalomoDelivery: Sendable, Hashable {
    /// The typed content.
    public var event: MalomoWebhookEvent
    /// The event id (`malomo-event-id`, see `MalomoEventID`): equal for Malomo's retries of
    /// one event, different for the same body under another topic.
    public var eventID: String?
    /// `Malomo-Webhook-Id` of the delivery.
    public var webhookID: String?
    /// `Malomo-Attempt-Number` (1 on the first try).
    public var attemptNumber: Int?
    /// When the bridge received it.
    public var receivedAt: MalomoTimestamp?
    /// The Kafka topic, partition, offset and key it was read from.
    public var kafkaTopic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// The raw body, byte for byte.
    public var rawValue: [UInt8]
    /// The record's CloudEvents attributes (`ce_*` headers), when the bridge wrote them
    /// (`KAFKA_CLOUDEVENTS`, on by default).
    public var cloudEvent: CloudEventAttributes?

    /// Decodes a record written by malomo-bridge. Pure: usable with any Kafka client.
    ///
    /// The Malomo topic comes from the `malomo-topic` header, or else from the Kafka topic
    /// (`malomo.orders.created` → `orders:created`, after removing `topicPrefix`).
    ///
    /// - Throws: ``MalomoDecodingError`` when the body is not valid JSON or lacks what its
    ///   topic requires (e.g. an order without `id`).
    public static func decode(
        kafkaTopic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        headers: [(key: String, value: [UInt8]?)],
        value: [UInt8],
        topicPrefix: String = MalomoContractDefaults.topicPrefix
    ) throws(MalomoDecodingError) -> MalomoDelivery {
        func header(_ name: String) -> String? {
            // The last occurrence wins, as in Kafka clients that expose headers as a map.
            headers.last { $0.key == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        let topic =
            header(MalomoRecordHeader.malomoTopic)
            ?? MalomoTopic(kafkaTopic: kafkaTopic, prefix: topicPrefix)?.rawValue
            ?? kafkaTopic
        let event = try MalomoWebhookEvent.decode(topic: topic, body: value)
        var cloudEvent: CloudEventAttributes? = nil
        if let id = header(MalomoRecordHeader.CloudEvents.id), let type = header(MalomoRecordHeader.CloudEvents.type),
            let source = header(MalomoRecordHeader.CloudEvents.source),
            let specVersion = header(MalomoRecordHeader.CloudEvents.specVersion)
        {
            cloudEvent = CloudEventAttributes(
                specVersion: specVersion,
                id: id,
                type: type,
                source: source,
                time: header(MalomoRecordHeader.CloudEvents.time),
                subject: header(MalomoRecordHeader.CloudEvents.subject)
            )
        }
        return MalomoDelivery(
            event: event,
            eventID: header(MalomoRecordHeader.eventID),
            webhookID: header(MalomoRecordHeader.webhookID),
            attemptNumber: header(MalomoRecordHeader.attemptNumber).flatMap { Int($0) },
            receivedAt: header(MalomoRecordHeader.receivedAt).flatMap { MalomoTimestamp($0) },
            kafkaTopic: kafkaTopic,
            partition: partition,
            offset: offset,
            key: key,
            rawValue: value,
            cloudEvent: cloudEvent
        )
    }
}

extension MalomoWebhookEvent {
    /// Decodes a body for a Malomo topic. Unknown topics keep the raw body.
    /// - Throws: ``MalomoDecodingError``.
    public static func decode(topic: String, body: [UInt8]) throws(MalomoDecodingError) -> MalomoWebhookEvent {
        guard let name = MalomoTopic(topic), name.isKnown else { return .unknown(topic: topic, raw: body) }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body)
        } catch {
            throw MalomoDecodingError(reason: .invalidJSON, topic: topic, message: error.description)
        }
        guard let members = json.objectValue else {
            throw MalomoDecodingError(reason: .unexpectedShape, topic: topic, message: "the body is not a JSON object")
        }
        guard members["id"]?.text != nil else {
            throw MalomoDecodingError(reason: .missingField, topic: topic, message: "missing 'id'")
        }
        switch name {
        case .ordersCreated, .ordersUpdated, .ordersDeleted:
            var order = Order(json: json)!
            order.rawJSON = body
            return name == .ordersCreated ? .orderCreated(order) : name == .ordersUpdated ? .orderUpdated(order) : .orderDeleted(order)
        case .customersCreated, .customersUpdated, .customersDeleted:
            var customer = Customer(json: json)!
            customer.rawJSON = body
            return name == .customersCreated
                ? .customerCreated(customer) : name == .customersUpdated ? .customerUpdated(customer) : .customerDeleted(customer)
        case .eventsCreated:
            var event = MalomoTimelineEvent(json: json)!
            event.rawJSON = body
            return .eventCreated(event)
        default:
            return .unknown(topic: topic, raw: body)
        }
    }
}
