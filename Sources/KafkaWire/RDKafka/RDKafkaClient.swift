import CLibrdkafka
import Dispatch
import Logging

/// A librdkafka handle moved to another thread for destruction.
/// `@unchecked Sendable`: it is used by exactly one thread after the move.
struct SendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Owns one librdkafka handle (`rd_kafka_t`). The only type that calls handle-level `rd_kafka_*`.
///
/// `@unchecked Sendable`: the handle is immutable after `init`, and librdkafka documents
/// every function used here as thread-safe on a handle, except the consumer calls, which
/// ``KafkaConsumer`` serialises on its own poll thread.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    let handle: OpaquePointer
    let context: RDKafkaCallbackContext
    /// librdkafka's view of the configuration this handle was created with (secrets included:
    /// never log it unredacted).
    let effectiveProperties: [String: String]

    init(
        kind: Kind,
        properties: [(key: String, value: String)],
        logger: Logger,
        deliveryReports: Bool = false,
        onStatistics: (@Sendable ([UInt8]) -> Void)? = nil,
        onRevoke: (@Sendable ([KafkaTopicPartition]) -> [KafkaCommitPosition])? = nil
    ) throws(KafkaError) {
        let context = RDKafkaCallbackContext(logger: logger, onStatistics: onStatistics, onRevoke: onRevoke)
        let conf = try RDKafkaConfig.make(properties)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdKafkaErrorCallback)
        if deliveryReports {
            rd_kafka_conf_set_dr_msg_cb(conf, rdKafkaDeliveryReportCallback)
        }
        if onStatistics != nil {
            rd_kafka_conf_set_stats_cb(conf, rdKafkaStatisticsCallback)
        }
        if kind == .consumer {
            rd_kafka_conf_set_rebalance_cb(conf, rdKafkaRebalanceCallback)
        }
        let effective = RDKafkaConfig.dump(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(code: .configuration, reason: detail)
        }
        self.handle = handle
        self.context = context
        // What the handle itself runs with (librdkafka may rewrite properties while creating
        // it), merged over the configuration as given.
        self.effectiveProperties = effective.merging(RDKafkaConfig.dump(rd_kafka_conf(handle))) { _, handle in handle }
        if kind == .consumer {
            rd_kafka_poll_set_consumer(handle)
        }
    }

    deinit {
        // rd_kafka_destroy blocks until librdkafka's threads end (seconds, with brokers away):
        // never on the releasing thread, which may be one of Swift's few cooperative threads.
        // The context rides along so callbacks during destruction still find it.
        let handle = SendableHandle(self.handle)
        let context = self.context
        DispatchQueue.global(qos: .utility).async {
            rd_kafka_destroy(handle.pointer)
            withExtendedLifetime(context) {}
        }
    }

    /// librdkafka's version, e.g. `2.0.2`.
    static var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

    // MARK: Producer

    /// Enqueues one record. On success librdkafka owns `opaque` until the delivery report.
    /// Key and value are copied by librdkafka (`RD_KAFKA_MSG_F_COPY`) before this returns.
    func produce<Headers: Collection>(
        topic: String,
        key: [UInt8]?,
        value: UnsafeRawBufferPointer,
        headers recordHeaders: Headers,
        timestampMilliseconds: Int64?,
        opaque: UnsafeMutableRawPointer
    ) -> KafkaError? where Headers.Element: KafkaHeaderField {
        var headers: OpaquePointer? = nil
        if !recordHeaders.isEmpty {
            headers = rd_kafka_headers_new(recordHeaders.count)
            for header in recordHeaders {
                header.withKafkaHeaderValue { bytes in
                    _ = rd_kafka_header_add(headers, header.kafkaHeaderName, -1, bytes?.baseAddress, bytes?.count ?? 0)
                }
            }
        }
        let timestamp = timestampMilliseconds ?? 0
        let code: rd_kafka_resp_err_t
        if let key {
            code = key.withUnsafeBytes { key in
                malomo_produce(
                    self.handle,
                    topic,
                    key.baseAddress,
                    key.count,
                    value.baseAddress,
                    value.count,
                    headers,
                    timestamp,
                    opaque
                )
            }
        } else {
            code = malomo_produce(self.handle, topic, nil, 0, value.baseAddress, value.count, headers, timestamp, opaque)
        }
        if code == RD_KAFKA_RESP_ERR_NO_ERROR { return nil }
        if let headers { rd_kafka_headers_destroy(headers) }
        return KafkaError(rdKafkaCode: code.rawValue)
    }

    /// Serves queued callbacks (delivery reports, logs, errors) for up to `timeoutMilliseconds`.
    func poll(timeoutMilliseconds: Int32) {
        rd_kafka_poll(self.handle, timeoutMilliseconds)
    }

    /// Waits for every queued message to be delivered or to fail; serves their reports.
    /// - Returns: `nil` when the queue drained, otherwise the timeout error.
    func flush(timeoutMilliseconds: Int32) -> KafkaError? {
        let code = rd_kafka_flush(self.handle, timeoutMilliseconds)
        return code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(rdKafkaCode: code.rawValue)
    }

    /// Fails every message still queued or in flight: their delivery reports (served by the
    /// next poll) carry librdkafka's purge errors, which map to ``KafkaError/Code/shutdown``.
    /// A purged in-flight message may still have been written by the broker.
    func purgeOutstanding() {
        _ = rd_kafka_purge(self.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    /// Messages queued or in flight, not yet reported.
    var outstandingCount: Int { Int(rd_kafka_outq_len(self.handle)) }

    /// Asks the cluster for metadata; true when a broker answered in time.
    func metadataReachable(timeoutMilliseconds: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        let code = rd_kafka_metadata(self.handle, 0, nil, &metadata, timeoutMilliseconds)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return code == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// The partition ids of `topic` from the cluster's metadata; empty when the topic does not
    /// exist.
    func partitions(of topic: String, timeoutMilliseconds: Int32) throws(KafkaError) -> [Int32] {
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        let code = rd_kafka_metadata(self.handle, 1, nil, &metadata, timeoutMilliseconds)
        defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(rdKafkaCode: code.rawValue) }
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[index]
            guard String(cString: entry.topic) == topic else { continue }
            if entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { return [] }
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(rdKafkaCode: entry.err.rawValue) }
            return (0..<Int(entry.partition_cnt)).map { entry.partitions[$0].id }.sorted()
        }
        return []
    }

    /// The low and high watermark of a partition, asked of its leader: the first offset still
    /// stored and the offset the next record will get.
    func watermarks(topic: String, partition: Int32, timeoutMilliseconds: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let code = rd_kafka_query_watermark_offsets(self.handle, topic, partition, &low, &high, timeoutMilliseconds)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(rdKafkaCode: code.rawValue) }
        return (low, high)
    }

    /// The client's fatal error, if it has one (the handle is then unusable).
    var fatalError: KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(self.handle, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let detail = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return KafkaError(code: .broker(code.rawValue), reason: "fatal: \(detail)")
    }

    /// Makes librdkafka raise a fatal error, as a broken idempotence guarantee would. Tests only:
    /// the handle is unusable afterwards.
    func raiseFatalErrorForTesting(reason: String) {
        _ = rd_kafka_test_fatal_error(self.handle, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason)
    }

    // MARK: Consumer

    func subscribe(topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let code = rd_kafka_subscribe(self.handle, list)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdKafkaCode: code.rawValue) }
    }

    /// Reads exactly these partitions from these offsets, outside any group rebalance (the
    /// group id still names where commits go).
    func assign(_ starts: [KafkaTopicPartition: Int64]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(starts.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in starts {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)
            element?.pointee.offset = offset
        }
        let code = rd_kafka_assign(self.handle, list)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdKafkaCode: code.rawValue) }
    }

    /// Polls for one record. Returns `nil` on timeout; throws consumer errors other than
    /// end-of-partition.
    func consumerPoll(timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaConsumerMessage? {
        guard let message = rd_kafka_consumer_poll(self.handle, timeoutMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let pointee = message.pointee
        if pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            if pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return nil }
            throw KafkaError(rdKafkaCode: pointee.err.rawValue)
        }
        let topic = String(cString: rd_kafka_topic_name(pointee.rkt))
        let value: [UInt8] =
            pointee.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.len)) } ?? []
        let key: [UInt8]? = pointee.key.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.key_len)) }
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer? = nil
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>? = nil
            var valuePointer: UnsafeRawPointer? = nil
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let headerValue = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: headerValue))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return KafkaConsumerMessage(
            topic: topic,
            partition: pointee.partition,
            offset: pointee.offset,
            key: key,
            value: value,
            headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }

    /// Commits `offset + 1` for each (topic, partition, offset) synchronously.
    func commit(_ positions: [KafkaCommitPosition]) throws(KafkaError) {
        let code = Self.commit(handle: self.handle, positions)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw KafkaError(rdKafkaCode: code.rawValue)
        }
    }

    /// Commits `offset + 1` for each position synchronously (also from the rebalance callback).
    static func commit(handle: OpaquePointer, _ positions: [KafkaCommitPosition]) -> rd_kafka_resp_err_t {
        guard !positions.isEmpty else { return RD_KAFKA_RESP_ERR_NO_ERROR }
        let list = rd_kafka_topic_partition_list_new(Int32(positions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for position in positions {
            let element = rd_kafka_topic_partition_list_add(list, position.topic, position.partition)
            element?.pointee.offset = position.offset + 1
        }
        return rd_kafka_commit(handle, list, 0)
    }

    /// The group's committed offsets (the next offset to read; -1001 when none) of partitions.
    func committed(_ partitions: [KafkaTopicPartition], timeoutMilliseconds: Int32) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
        let code = rd_kafka_committed(self.handle, list, timeoutMilliseconds)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdKafkaCode: code.rawValue) }
        var result: [KafkaTopicPartition: Int64] = [:]
        for index in 0..<Int(list!.pointee.cnt) {
            let element = list!.pointee.elems[index]
            // A partition's own error must not read as "nothing committed" (a restart from the start).
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(rdKafkaCode: element.err.rawValue) }
            result[KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
        }
        return result
    }

    /// Leaves the consumer group cleanly.
    func consumerClose() {
        rd_kafka_consumer_close(self.handle)
    }
}

extension KafkaError {
    /// Wraps a librdkafka error code, with librdkafka's own text.
    init(rdKafkaCode code: Int32) {
        let reason = String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(code)))
        switch rd_kafka_resp_err_t(code) {
        case RD_KAFKA_RESP_ERR__QUEUE_FULL: self.init(code: .queueFull, reason: reason)
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT:
            self.init(code: .messageTimedOut, reason: reason)
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
            self.init(code: .shutdown, reason: "the producer shut down before a broker acknowledged (\(reason))")
        default: self.init(code: .broker(code), reason: reason)
        }
    }
}
