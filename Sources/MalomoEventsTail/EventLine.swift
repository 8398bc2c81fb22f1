import Foundation
import MalomoConsumer
import MalomoModels

/// How one delivery is printed: a human line, or a JSON object per line (`--json`).
enum EventLine {
    static func text(_ delivery: MalomoDelivery) -> String {
        var parts = [delivery.event.topic.padding(toLength: 18, withPad: " ", startingAt: 0)]
        switch delivery.event {
        case .orderCreated(let order), .orderUpdated(let order), .orderDeleted(let order):
            parts.append("order \(order.number.map { "#\($0)" } ?? "-") id=\(order.id)")
            parts.append("\(order.shipments.count) shipment(s)")
            for shipment in order.shipments {
                let status = shipment.status?.rawValue ?? "?"
                let latest =
                    shipment.latestScanEvent.map {
                        " last scan \($0.scannedAt?.rawValue ?? "?") \($0.statusDetail?.rawValue ?? $0.status?.rawValue ?? "")"
                    } ?? ""
                parts.append("[\(shipment.carrier?.rawValue ?? "?") \(shipment.trackingCode ?? "") \(status)\(latest)]")
            }
        case .customerCreated(let customer), .customerUpdated(let customer), .customerDeleted(let customer):
            parts.append("customer id=\(customer.id ?? "-") \(customer.email ?? "")")
        case .eventCreated(let event):
            parts.append("event \(event.type ?? "?") \"\(event.label ?? "")\" at \(event.timestamp?.instant.map { "\($0)" } ?? "?")")
        case .unknown(_, let raw):
            parts.append("(unknown topic, \(raw.count) bytes)")
        }
        parts.append(
            "| \(delivery.kafkaTopic)[\(delivery.partition)]@\(delivery.offset) attempt=\(delivery.attemptNumber.map(String.init) ?? "?") event_id=\(delivery.eventID?.prefix(12) ?? "-")"
        )
        return printable(parts.joined(separator: " "))
    }

    /// `text` with every control character (C0 with line feeds, DEL, C1) and every bidirectional
    /// formatting character replaced by `?`: a record's fields come from the webhook's sender,
    /// and must neither move the terminal's cursor, recolour it, split a line, nor reorder
    /// what is shown.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    switch scalar.value {
                    case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C: "?"
                    default: scalar
                    }
                }
            )
        )
    }

    struct JSONLine: Encodable {
        let topic: String
        let kafka_topic: String
        let partition: Int32
        let offset: Int64
        let event_id: String?
        let webhook_id: String?
        let attempt_number: Int?
        let received_at: String?
        let id: String?
        let order_number: String?
        let shipments: [ShipmentLine]?
        let event_type: String?

        struct ShipmentLine: Encodable {
            let carrier: String?
            let tracking_code: String?
            let status: String?
            let latest_scan_at: String?
        }
    }

    static func json(_ delivery: MalomoDelivery) -> String {
        let order = delivery.event.order
        var eventType: String? = nil
        var id = order?.id ?? delivery.event.customer?.id
        if case .eventCreated(let event) = delivery.event {
            eventType = event.type
            id = event.id
        }
        let line = JSONLine(
            topic: delivery.event.topic,
            kafka_topic: delivery.kafkaTopic,
            partition: delivery.partition,
            offset: delivery.offset,
            event_id: delivery.eventID,
            webhook_id: delivery.webhookID,
            attempt_number: delivery.attemptNumber,
            received_at: delivery.receivedAt?.rawValue,
            id: id,
            order_number: order?.number,
            shipments: order?.shipments.map {
                .init(
                    carrier: $0.carrier?.rawValue,
                    tracking_code: $0.trackingCode,
                    status: $0.status?.rawValue,
                    latest_scan_at: $0.latestScanEvent?.scannedAt?.rawValue
                )
            },
            event_type: eventType
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(line), as: UTF8.self)) ?? "{}"
    }
}
