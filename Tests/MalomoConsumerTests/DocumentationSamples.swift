import Logging
import MalomoConsumer
import MalomoModels
import ServiceLifecycle
import UnixSignals

// The code of MalomoConsumer.docc/GettingStarted.md, compiled by every build: scripts/check-docs
// fails when an article's code is not here, verbatim but for imports and indentation.

enum MalomoConsumerDocumentationSamples {
    static func serviceGroup() async throws {
        let logger = Logger(label: "shipping-emails")
        var configuration = MalomoConsumerConfiguration(bootstrapServers: ["kafka:9092"], groupID: "shipping-emails")
        configuration.topics = [.ordersCreated, .ordersUpdated]
        let consumer = try MalomoEventConsumer(configuration: configuration, logger: logger)

        let service = MalomoEventConsumerService(consumer: consumer) { delivery in
            guard let order = delivery.event.order else { return }
            for shipment in order.shipments where shipment.status == .delivered {
                try await sendDeliveredEmail(order: order, shipment: shipment)  // your code
            }
        }
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }

    static func pull(consumer: MalomoEventConsumer, logger: Logger) async throws {
        for try await delivery in consumer.deliveries {
            do {
                try await handle(delivery)  // your code
                consumer.markProcessed(delivery)
            } catch {
                logger.error("Not processed", metadata: ["kafka.offset": "\(delivery.offset)"])
            }
        }
        await consumer.close()
    }

    /// "your code" in the samples.
    static func sendDeliveredEmail(order: Order, shipment: Shipment) async throws {}
    static func handle(_ delivery: MalomoDelivery) async throws {}
}
