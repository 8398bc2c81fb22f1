import KafkaWire
import MalomoWebhookCore
import NIOCore

/// Where the bridge publishes a verified webhook and waits for it to be acknowledged.
///
/// The service publishes through ``KafkaWebhookPublisher`` (librdkafka). The seam lets the HTTP
/// contract (every status, header and body the bridge answers) be tested without a broker,
/// while the Kafka integration is tested once, for real.
public protocol WebhookPublisher: Sendable {
    /// The largest record the publisher takes, in bytes (librdkafka's `message.max.bytes` as in
    /// force): a larger one is refused before publishing, with a 413.
    var maxRecordBytes: Int { get }

    /// Publishes waiting for an acknowledgement right now.
    var inFlightCount: Int { get }

    /// Publishes `record` with `body` as its value, timestamped `timestampMilliseconds` (since
    /// the epoch), and returns once the broker acknowledged it. The wait ends by `timeout` at the
    /// latest (scheduled on `eventLoop`) with ``KafkaError/Code/messageTimedOut``.
    ///
    /// - Throws: A `KafkaError`: the bridge answers 503, with `shutting_down` for
    ///   ``KafkaError/Code/shutdown``.
    func publish(
        _ record: WebhookRecord,
        body: ByteBuffer,
        timestampMilliseconds: Int64,
        timeout: TimeAmount,
        eventLoop: any EventLoop
    ) async throws(KafkaError) -> KafkaDeliveryReport
}
