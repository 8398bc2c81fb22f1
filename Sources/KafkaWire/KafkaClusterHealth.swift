import Dispatch
import ServiceLifecycle
import Synchronization

/// Whether the Kafka cluster answers metadata requests, checked in the background so that
/// readiness probes read a cached answer at once.
///
/// A `Service`: run it in the `ServiceGroup` (after the producer, so it stops first). The
/// check blocks in librdkafka, so it runs on a thread of its own, started by ``run()`` and
/// joined when graceful shutdown (or cancellation) ends it.
public final class KafkaClusterHealth: Service, Sendable {
    private let producer: KafkaProducer
    private let interval: Duration
    private let timeout: Duration
    private let reachable = Atomic<Bool>(false)

    /// Checks `producer`'s cluster every `interval` while running, each check bounded by `timeout`.
    public init(producer: KafkaProducer, interval: Duration = .seconds(1), timeout: Duration = .seconds(1)) {
        self.producer = producer
        self.interval = interval
        self.timeout = timeout
    }

    /// The last check's answer: `false` until the first check finished, and once ``run()`` ended.
    public var isReachable: Bool { self.reachable.load(ordering: .relaxed) }

    /// Checks until graceful shutdown or cancellation, then stops the thread. Run it once.
    public func run() async throws {
        let interval = DispatchTimeInterval.milliseconds(Int(clamping: self.interval.wholeMilliseconds))
        // Signalled at shutdown, so the thread does not sleep out its interval first. One per
        // run: a signal the thread never waited for is not left for another.
        let wakeUp = DispatchSemaphore(value: 0)
        let thread = PollThread(name: "kafka-health") { [self] shouldStop in
            while !shouldStop() {
                self.reachable.store(self.producer.isClusterReachable(timeout: self.timeout), ordering: .relaxed)
                _ = wakeUp.wait(timeout: .now() + interval)
            }
        }
        try? await gracefulShutdown()
        thread.requestStop()
        wakeUp.signal()
        await thread.join()
        // No longer checked: whoever still asks must not read a stale "reachable".
        self.reachable.store(false, ordering: .relaxed)
    }
}
