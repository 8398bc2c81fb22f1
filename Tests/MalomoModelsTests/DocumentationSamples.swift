import MalomoModels

// The code of MalomoModels.docc/GettingStarted.md, compiled by every build: scripts/check-docs
// fails when an article's code is not here, verbatim but for imports and indentation.

enum MalomoModelsDocumentationSamples {
    static func decodeARecord(recordValue: [UInt8]) throws {
        let delivery = try MalomoDelivery.decode(
            kafkaTopic: "malomo.orders.updated",
            partition: 0,
            offset: 42,
            key: Array("c2a7e9b4".utf8),
            headers: [(key: MalomoRecordHeader.malomoTopic, value: Array("orders:updated".utf8))],
            value: recordValue  // [UInt8]: the record's value
        )
        switch delivery.event {
        case .orderCreated(let order), .orderUpdated(let order), .orderDeleted(let order):
            for shipment in order.shipments {
                let status = shipment.status?.rawValue ?? "no status"
                let scan = shipment.latestScanEvent
                print(order.number ?? "-", shipment.trackingCode ?? "-", status, scan?.message ?? scan?.description ?? "")
            }
        case .customerCreated(let customer), .customerUpdated(let customer), .customerDeleted(let customer):
            print(customer.id ?? "-", customer.email ?? "")
        case .eventCreated(let event):
            print(event.type ?? "?", event.label ?? "", event.timestamp?.instant as Any)
        case .unknown(let topic, let raw):
            print("not decoded: \(topic), \(raw.count) bytes")
        }
    }

    static func decodeABody(body: [UInt8]) {
        do {
            let event = try MalomoWebhookEvent.decode(topic: "orders:created", body: body)
            print(event.order?.id ?? "-")
        } catch {
            print(error.reason, error.message)  // error is a MalomoDecodingError
        }
    }
}
