import CLibrdkafka
import Synchronization

/// librdkafka's delivery-report callback; runs on the producer's poll thread.
func rdKafkaDeliveryReportCallback(
    _ handle: OpaquePointer?,
    _ message: UnsafePointer<rd_kafka_message_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let waiterPointer = message.pointee._private else { return }
    // Released here, exactly once, whether or not its caller still waits (see KafkaDeliveryWait).
    let wait = Unmanaged<KafkaDeliveryWait>.fromOpaque(waiterPointer).takeRetainedValue()
    let code = message.pointee.err
    let partition = message.pointee.partition
    let offset = message.pointee.offset
    if code == RD_KAFKA_RESP_ERR_NO_ERROR && offset < 0 {
        // "Delivered" without an offset does not prove the record is in the log (librdkafka's
        // mock broker acks a batch it takes for a duplicate this way, without writing it).
        // Report it as unconfirmed: the caller retries, consumers drop the duplicate by id.
        wait.finish { _ in
            .failure(
                KafkaError(code: .unconfirmed, reason: "the broker acknowledged without an offset (\(offset)); delivery is not confirmed")
            )
        }
    } else if code == RD_KAFKA_RESP_ERR_NO_ERROR {
        if let context = RDKafkaCallbackContext.from(handle) {
            context.lastGlobalError.store(0, ordering: .relaxed)
        }
        wait.finish { topic in .success(KafkaDeliveryReport(topic: topic, partition: partition, offset: offset)) }
    } else {
        wait.finish { _ in .failure(KafkaError(rdKafkaCode: code.rawValue)) }
    }
}
