import Foundation
import Hummingbird
import KafkaWire
import Logging
import MalomoBridge
import MalomoTestSupport
import MalomoWebhookCore
import NIOCore
import Synchronization

/// A ``WebhookPublisher`` that keeps what it is given in memory, for the HTTP contract without a
/// broker: it acknowledges at the next offset of partition 0 of the record's topic, or fails as
/// told, or never answers and ends the wait at the publish's timeout, as ``WebhookPublisher``
/// requires of every publisher (KafkaWebhookPublisherTests holds librdkafka's to it).
/// Each publish first waits for a resume from another thread, as a send waits for librdkafka's
/// poll thread, and records whether it ran on, and came back to, the connection's event loop.
final class MemoryPublisher: WebhookPublisher {
    enum Behaviour: Sendable {
        case acknowledge
        case fail(KafkaError)
        /// No acknowledgement: the publish ends at its timeout, as librdkafka's wait would.
        case neverAcknowledge
    }

    struct Published: Sendable {
        let record: WebhookRecord
        let body: [UInt8]
        let timestampMilliseconds: Int64
        let report: KafkaDeliveryReport
        /// Whether the publish ran on the connection's event loop, and came back to it after a
        /// resume from another thread (as a delivery report resumes a send, from librdkafka's
        /// poll thread).
        let onEventLoop: Bool
    }

    let maxRecordBytes: Int
    private let state: Mutex<(behaviour: Behaviour, published: [Published], attempts: Int)>

    init(_ behaviour: Behaviour = .acknowledge, maxRecordBytes: Int = 1_000_000) {
        self.maxRecordBytes = maxRecordBytes
        self.state = Mutex((behaviour, [], 0))
    }

    var inFlightCount: Int { 0 }

    /// What was acknowledged, in order.
    var published: [Published] { self.state.withLock { $0.published } }

    /// How often ``publish(_:body:timestampMilliseconds:timeout:eventLoop:)`` was called,
    /// whatever the outcome.
    var attempts: Int { self.state.withLock { $0.attempts } }

    func behave(_ behaviour: Behaviour) { self.state.withLock { $0.behaviour = behaviour } }

    func publish(
        _ record: WebhookRecord,
        body: ByteBuffer,
        timestampMilliseconds: Int64,
        timeout: TimeAmount,
        eventLoop: any EventLoop
    ) async throws(KafkaError) -> KafkaDeliveryReport {
        let calledOnEventLoop = eventLoop.inEventLoop
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { continuation.resume() }.start()
        }
        let onEventLoop = calledOnEventLoop && eventLoop.inEventLoop
        let outcome: Result<KafkaDeliveryReport, KafkaError>? = self.state.withLock { state in
            state.attempts += 1
            switch state.behaviour {
            case .acknowledge:
                let offset = Int64(state.published.count { $0.record.topic == record.topic })
                let report = KafkaDeliveryReport(topic: record.topic, partition: 0, offset: offset)
                state.published.append(
                    Published(
                        record: record,
                        body: Array(body.readableBytesView),
                        timestampMilliseconds: timestampMilliseconds,
                        report: report,
                        onEventLoop: onEventLoop
                    )
                )
                return .success(report)
            case .fail(let error):
                return .failure(error)
            case .neverAcknowledge:
                return nil
            }
        }
        if let outcome { return try outcome.get() }
        try? await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
        throw KafkaError(code: .messageTimedOut, reason: "no delivery report before the caller's deadline")
    }
}

/// The webhook application over a ``MemoryPublisher``: the HTTP contract with no Kafka at all.
struct HTTPContractHarness {
    let configuration: BridgeConfiguration
    let secrets: WebhookSecretStore
    let publisher: MemoryPublisher
    let logger: Logger

    init(
        _ behaviour: MemoryPublisher.Behaviour = .acknowledge,
        maxRecordBytes: Int = 1_000_000,
        secretsByWebhookID: [String: [String]] = [:],
        configure: (inout BridgeConfiguration) -> Void = { _ in }
    ) {
        var logger = Logger(label: "bridge-http-test")
        logger.logLevel = .warning
        self.logger = logger
        // No broker is ever contacted: the address only satisfies the type.
        (self.configuration, self.secrets) = BridgeHarness.configuration(
            brokers: ["127.0.0.1:1"],
            secretsByWebhookID: secretsByWebhookID,
            configure: configure
        )
        self.publisher = MemoryPublisher(behaviour, maxRecordBytes: maxRecordBytes)
    }

    func application() -> some ApplicationProtocol {
        BridgeApplication.makeWebhookApplication(
            configuration: self.configuration,
            secrets: self.secrets,
            publisher: self.publisher,
            logger: self.logger
        )
    }
}
