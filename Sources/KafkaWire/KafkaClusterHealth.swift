import Synchronization

/// Whether the Kafka cluster answers metadata requests, checked in the background on its own
/// thread (the check blocks in librdkafka), so readiness probes read a cached answer at once.
public final class KafkaClusterHealth: Sendable {
    private let thread: PollThread

    /// Starts checking `producer`'s cluster every `interval`, each check bounded by `timeout`.
    public init(producer: KafkaProducer, interval: Duration = .seconds(1), timeout: Duration = .seconds(1)) {
        let reachable = Reachability()
        self.thread = PollThread(name: "kafka-health") { shouldStop in
            while !shouldStop() {
                let ok = producer.isClusterReachable(timeout: timeout)
                reachable.update(ok)
                var waited = Duration.zero
                while waited < interval && !shouldStop() {
                    usleep(50_000)
                    waited += .milliseconds(50)
                }
            }
        }
        self.state = reachable
    }

    private let state: Reachability

    /// The last check's answer (`false` until the first check finished).
    public var isReachable: Bool { self.state.value.load(ordering: .relaxed) }

    /// Stops checking.
    public func stop() async {
        self.thread.requestStop()
        await self.thread.join()
    }

    private final class Reachability: Sendable {
        let value = Atomic<Bool>(false)
        func update(_ ok: Bool) {
            self.value.store(ok, ordering: .relaxed)
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
