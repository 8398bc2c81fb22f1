import CLibrdkafka
import Logging
import Synchronization

/// What librdkafka's global callbacks (log, error) need: set as the handle's opaque.
///
/// Lives as long as its ``RDKafkaClient`` (which destroys the handle before releasing it),
/// so callbacks never see a dangling pointer.
final class RDKafkaCallbackContext: Sendable {
    let logger: Logger
    /// The last global error librdkafka reported (`rd_kafka_resp_err_t`), 0 when none or
    /// cleared by a successful delivery. Read by readiness checks.
    let lastGlobalError = Atomic<Int32>(0)

    /// Receives librdkafka's statistics JSON, when `statistics.interval.ms` is set.
    let onStatistics: (@Sendable ([UInt8]) -> Void)?

    /// A consumer's partitions about to be revoked: returns the positions to commit first
    /// (synchronously, before the partitions go to another member).
    let onRevoke: (@Sendable ([KafkaTopicPartition]) -> [KafkaCommitPosition])?

    init(
        logger: Logger,
        onStatistics: (@Sendable ([UInt8]) -> Void)? = nil,
        onRevoke: (@Sendable ([KafkaTopicPartition]) -> [KafkaCommitPosition])? = nil
    ) {
        self.logger = logger
        self.onStatistics = onStatistics
        self.onRevoke = onRevoke
    }

    static func from(_ handle: OpaquePointer?) -> RDKafkaCallbackContext? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// Routes librdkafka's log lines through swift-log, so they follow the configured format.
func rdKafkaLogCallback(
    _ handle: OpaquePointer?,
    _ level: Int32,
    _ facility: UnsafePointer<CChar>?,
    _ message: UnsafePointer<CChar>?
) {
    guard let context = RDKafkaCallbackContext.from(handle) else { return }
    let logLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    guard context.logger.logLevel <= logLevel else { return }
    let text = message.map { String(cString: $0) } ?? ""
    let facilityText = facility.map { String(cString: $0) } ?? ""
    context.logger.log(
        level: logLevel,
        "\(text)",
        metadata: ["rdkafka.facility": "\(facilityText)"]
    )
}

/// librdkafka's global error callback: errors that belong to no single message.
func rdKafkaErrorCallback(
    _ handle: OpaquePointer?,
    _ code: Int32,
    _ reason: UnsafePointer<CChar>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let opaque else { return }
    let context = Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    context.lastGlobalError.store(code, ordering: .relaxed)
    let text = reason.map { String(cString: $0) } ?? ""
    let name = String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(code)))
    context.logger.warning("Kafka client error", metadata: ["kafka.error": "\(name)", "kafka.reason": "\(text)"])
}

/// librdkafka's statistics callback (served by `rd_kafka_poll`). Returns 0: librdkafka frees the JSON.
func rdKafkaStatisticsCallback(
    _ handle: OpaquePointer?,
    _ json: UnsafeMutablePointer<CChar>?,
    _ length: Int,
    _ opaque: UnsafeMutableRawPointer?
) -> Int32 {
    guard let opaque, let json else { return 0 }
    let context = Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    context.onStatistics?(Array(UnsafeRawBufferPointer(start: json, count: length)))
    return 0
}

/// librdkafka's rebalance callback (served by the consumer's poll, on its thread). Before
/// partitions are revoked, the owner commits what it processed of them and forgets the rest,
/// so a position from before the rebalance can never move the new owner's offset back.
/// Handles the eager and the cooperative protocol.
func rdKafkaRebalanceCallback(
    _ handle: OpaquePointer?,
    _ code: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let handle else { return }
    // NULL when there is no group protocol (yet): then it is not cooperative.
    let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
    switch code {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, partitions) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(handle, partitions)
        }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        if let opaque, let partitions {
            let context = Unmanaged<RDKafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
            var revoked: [KafkaTopicPartition] = []
            for index in 0..<Int(partitions.pointee.cnt) {
                let element = partitions.pointee.elems[index]
                revoked.append(KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition))
            }
            let positions = context.onRevoke?(revoked) ?? []
            if !positions.isEmpty {
                let code = RDKafkaClient.commit(handle: handle, positions)
                if code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    context.logger.warning(
                        "Commit before a rebalance failed; those records will be redelivered",
                        metadata: ["kafka.error": "\(String(cString: rd_kafka_err2name(code)))"]
                    )
                }
            }
        }
        if cooperative {
            if let error = rd_kafka_incremental_unassign(handle, partitions) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(handle, nil)
        }
    default:
        rd_kafka_assign(handle, nil)
    }
}
