import CLibrdkafka
import Synchronization

/// One produced message's pending outcome. Passed to librdkafka retained, as the
/// per-message opaque, and released exactly once: by the delivery-report callback,
/// or by ``KafkaProducer`` when `produce` fails at once.
final class DeliveryWaiter: Sendable {
    let topic: String
    let continuation: UnsafeContinuation<KafkaDeliveryReport, any Error>

    init(topic: String, continuation: UnsafeContinuation<KafkaDeliveryReport, any Error>) {
        self.topic = topic
        self.continuation = continuation
    }
}

/// librdkafka's delivery-report callback; runs on the producer's poll thread.
func rdKafkaDeliveryReportCallback(
    _ handle: OpaquePointer?,
    _ message: UnsafePointer<rd_kafka_message_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let waiterPointer = message.pointee._private else { return }
    let waiter = Unmanaged<DeliveryWaiter>.fromOpaque(waiterPointer).takeRetainedValue()
    let code = message.pointee.err
    if code == RD_KAFKA_RESP_ERR_NO_ERROR && message.pointee.offset < 0 {
        // "Delivered" without an offset does not prove the record is in the log (librdkafka's
        // mock broker acks a batch it takes for a duplicate this way, without writing it).
        // Report it as unconfirmed: the caller retries, consumers drop the duplicate by id.
        waiter.continuation.resume(
            throwing: KafkaError(
                code: .unconfirmed,
                reason: "the broker acknowledged without an offset (\(message.pointee.offset)); delivery is not confirmed"
            )
        )
    } else if code == RD_KAFKA_RESP_ERR_NO_ERROR {
        if let context = RDKafkaCallbackContext.from(handle) {
            context.lastGlobalError.store(0, ordering: .relaxed)
        }
        waiter.continuation.resume(
            returning: KafkaDeliveryReport(
                topic: waiter.topic,
                partition: message.pointee.partition,
                offset: message.pointee.offset
            )
        )
    } else {
        waiter.continuation.resume(throwing: KafkaError(rdKafkaCode: code.rawValue))
    }
}
