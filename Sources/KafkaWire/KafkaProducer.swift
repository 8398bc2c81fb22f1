import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent Kafka producer whose ``send(_:)`` returns once the broker acknowledged.
///
/// librdkafka's delivery reports are served by one dedicated poll thread, started in
/// `init`, which resumes each waiting caller directly. Run the producer as a `Service`
/// (after the services that send through it) so that graceful shutdown flushes queued
/// messages before the poll loop stops; or call ``shutdown()`` yourself.
public final class KafkaProducer: Service, Sendable {
    let client: RDKafkaClient
    private let pollThread: PollThread
    private let configuration: KafkaProducerConfiguration
    private let logger: Logger
    private let inFlight = Atomic<Int>(0)
    /// Running, draining the sends that are enqueuing, flushing: see the state machine.
    private let lifecycle = Mutex(KafkaProducerStateMachine())

    /// Creates a producer and starts its poll thread.
    /// - Throws: A ``KafkaError`` with code ``KafkaError/Code/configuration`` naming the
    ///   librdkafka property that was rejected.
    /// - Parameters:
    ///   - configuration: The brokers, delivery settings and librdkafka properties.
    ///   - logger: Receives librdkafka's log lines and the producer's own.
    ///   - onStatistics: Called with librdkafka's statistics every
    ///   ``KafkaProducerConfiguration/statisticsInterval``, on a queue of its own.
    public init(
        configuration: KafkaProducerConfiguration,
        logger: Logger,
        onStatistics: (@Sendable (KafkaStatistics) -> Void)? = nil
    ) throws(KafkaError) {
        var statisticsJSONHandler: (@Sendable ([UInt8]) -> Void)? = nil
        if let onStatistics {
            // The JSON (tens of KiB with several brokers) is parsed off the poll thread: that
            // thread delivers every acknowledgement, and a parse there would hold them all back.
            let queue = DispatchQueue(label: "kafka-producer-statistics", qos: .utility)
            statisticsJSONHandler = { json in
                queue.async {
                    if let statistics = KafkaStatistics(json: json) { onStatistics(statistics) }
                }
            }
        }
        let client = try RDKafkaClient(
            kind: .producer,
            properties: configuration.librdkafkaProperties,
            logger: logger,
            deliveryReports: true,
            onStatistics: statisticsJSONHandler
        )
        let flushTimeout = Int32(clamping: configuration.shutdownFlushTimeout.wholeMilliseconds)
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.pollThread = PollThread(name: "kafka-producer") { shouldStop in
            while !shouldStop() {
                client.poll(timeoutMilliseconds: 50)
            }
            if let error = client.flush(timeoutMilliseconds: flushTimeout) {
                logger.error(
                    "Kafka producer flush did not finish; failing the unacknowledged messages",
                    metadata: ["kafka.error": "\(error)", "kafka.outstanding": "\(client.outstandingCount)"]
                )
                // Every waiting send gets an answer (a `.shutdown` error), none waits forever.
                client.purgeOutstanding()
            }
            // Serve the reports that arrived during the flush, and the purged ones.
            for _ in 0..<20 {
                client.poll(timeoutMilliseconds: 0)
                if client.outstandingCount == 0 { break }
                client.poll(timeoutMilliseconds: 50)
            }
        }
    }

    /// librdkafka's version string.
    public static var librdkafkaVersion: String { RDKafkaClient.librdkafkaVersion }

    /// The configuration librdkafka effectively uses, as it reports it, with the values of
    /// secret-looking properties (`*password*`, `*secret*`, `*.key.pem`, …) replaced by `[redacted]`.
    public var effectiveProperties: [String: String] {
        RedactedProperties.redact(self.client.effectiveProperties)
    }

    /// Sends a record and waits for the broker's acknowledgement.
    ///
    /// - Returns: The partition and offset the broker stored it at.
    /// - Throws: A ``KafkaError``: ``KafkaError/Code/queueFull`` at once when librdkafka's
    ///   queue is full, ``KafkaError/Code/messageTimedOut`` when no broker acknowledged within
    ///   `message.timeout.ms`, ``KafkaError/Code/shutdown`` after shutdown began.
    public func send(_ record: KafkaProducerRecord) async throws(KafkaError) -> KafkaDeliveryReport {
        try await self.send(
            topic: record.topic,
            key: record.key,
            value: record.value,
            headers: record.headers,
            timestampMilliseconds: record.timestampMilliseconds
        )
    }

    /// Sends a value read in place (no copy before librdkafka's own) and waits for the
    /// broker's acknowledgement. See ``send(_:)``. `timestampMilliseconds` (since the epoch)
    /// is the record's timestamp; `nil` lets librdkafka use the time of this call. `wait`
    /// lets the caller end the wait at its own deadline (``KafkaDeliveryWait/abandon()``).
    public func send<Value: KafkaContiguousBytes, Headers: Collection>(
        topic: String,
        key: [UInt8]?,
        value: Value,
        headers: Headers,
        timestampMilliseconds: Int64? = nil,
        wait: KafkaDeliveryWait = KafkaDeliveryWait()
    ) async throws(KafkaError) -> KafkaDeliveryReport where Headers.Element: KafkaHeaderField {
        guard self.lifecycle.withLock({ $0.beginEnqueue() }) else {
            throw KafkaError(code: .shutdown, reason: "the producer is shutting down")
        }
        self.inFlight.add(1, ordering: .relaxed)
        defer { self.inFlight.subtract(1, ordering: .relaxed) }
        let result = await withUnsafeContinuation { (continuation: KafkaDeliveryWait.Continuation) in
            // Runs before the first suspension: `value` is read here, synchronously.
            guard wait.begin(topic: topic, continuation: continuation) else {
                self.endEnqueue()
                continuation.resume(returning: .failure(KafkaDeliveryWait.abandonedError))
                return
            }
            let waiter = Unmanaged.passRetained(wait)
            let error = value.withUnsafeBytes { bytes in
                self.client.produce(
                    topic: topic,
                    key: key,
                    value: bytes,
                    headers: headers,
                    timestampMilliseconds: timestampMilliseconds,
                    opaque: waiter.toOpaque()
                )
            }
            self.endEnqueue()
            if let error {
                waiter.release()
                wait.finish { _ in .failure(error) }
            }
        }
        return try result.get()
    }

    /// librdkafka's fatal error, if the producer has one: it can then never deliver again
    /// (e.g. an idempotence guarantee broke) and the process should be restarted.
    public var fatalError: KafkaError? { self.client.fatalError }

    /// Raises a librdkafka fatal error on this producer (tests of what depends on it).
    func raiseFatalErrorForTesting(reason: String) { self.client.raiseFatalErrorForTesting(reason: reason) }

    /// Sends awaiting acknowledgement right now.
    public var inFlightCount: Int { self.inFlight.load(ordering: .relaxed) }

    /// Messages in librdkafka's queue or in flight to a broker.
    public var queuedCount: Int { self.client.outstandingCount }

    /// Whether a broker answers a metadata request within `timeout`. Blocks the caller.
    public func isClusterReachable(timeout: Duration) -> Bool {
        self.client.metadataReachable(timeoutMilliseconds: Int32(clamping: timeout.wholeMilliseconds))
    }

    /// Waits for graceful shutdown (or cancellation), then flushes and stops the poll thread.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.shutdown()
    }

    /// Flushes queued messages (bounded by the configured flush timeout) and stops the poll thread.
    /// Messages still unacknowledged when the flush times out fail with
    /// ``KafkaError/Code/shutdown`` (a broker may still have written them). Idempotent. Sends
    /// after this fail with ``KafkaError/Code/shutdown``.
    public func shutdown() async {
        switch self.lifecycle.withLock({ $0.beginShutdown() }) {
        case .stopPollThread:
            self.pollThread.requestStop()
        case .waitForSends:
            // Sends that passed the stop check enqueue within microseconds; the last one to
            // finish resumes this, so the final flush covers them all.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if !self.lifecycle.withLock({ $0.waitForDrain(continuation) }) { continuation.resume() }
            }
            self.pollThread.requestStop()
        case .joinOnly:
            break
        }
        await self.pollThread.join()
    }

    /// Ends a send's enqueue, resuming the shutdown that waits for the last one.
    private func endEnqueue() {
        self.lifecycle.withLock { $0.endEnqueue() }?.resume()
    }
}
