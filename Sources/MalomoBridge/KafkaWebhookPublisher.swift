import KafkaWire
import MalomoContract
import MalomoWebhookCore
import NIOCore

/// Publishes webhooks through the idempotent librdkafka producer.
public struct KafkaWebhookPublisher: WebhookPublisher {
    let producer: KafkaProducer
    public let maxRecordBytes: Int

    /// Publishes through `producer` (whose lifecycle stays its owner's).
    public init(producer: KafkaProducer) {
        self.producer = producer
        self.maxRecordBytes = producer.effectiveProperties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    public var inFlightCount: Int { self.producer.inFlightCount }

    public func publish(
        _ record: WebhookRecord,
        body: ByteBuffer,
        timestampMilliseconds: Int64,
        timeout: TimeAmount,
        eventLoop: any EventLoop
    ) async throws(KafkaError) -> KafkaDeliveryReport {
        // `message.timeout.ms` (ACK_TIMEOUT_MS less a second) usually ends the wait first, but
        // librdkafka reports a timeout only at its next scan: at `timeout` the wait ends
        // regardless (see KafkaDeliveryWait).
        let wait = KafkaDeliveryWait()
        let deadline = eventLoop.scheduleTask(in: timeout) { wait.abandon() }
        defer { deadline.cancel() }
        return try await self.producer.send(
            topic: record.topic,
            key: record.key,
            value: body,
            headers: record.headers,
            timestampMilliseconds: timestampMilliseconds,
            wait: wait
        )
    }
}

/// The contract's headers go to librdkafka as they are: name and UTF-8 value in place.
extension MalomoHeaderField: KafkaHeaderField {
    public var kafkaHeaderName: String { self.name }

    public func withKafkaHeaderValue<Result>(_ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
        var value = self.value
        return try value.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

extension ByteBuffer: KafkaContiguousBytes {
    /// The readable bytes, in place.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeReadableBytes(body)
    }
}
