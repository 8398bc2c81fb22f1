import KafkaWire
import Synchronization

/// What readiness depends on: the cluster answering, and the bridge not draining.
public final class BridgeState: Sendable {
    private let drainingFlag = Atomic<Bool>(false)
    let health: KafkaClusterHealth?
    let producer: KafkaProducer?

    /// Creates the state; `health` and `producer` are `nil` in tests that do not check them.
    public init(health: KafkaClusterHealth?, producer: KafkaProducer? = nil) {
        self.health = health
        self.producer = producer
    }

    /// Alive unless the producer failed fatally (then only a restart helps).
    public var fatalProducerError: KafkaError? { self.producer?.fatalError }

    /// Whether graceful shutdown began.
    public var isDraining: Bool { self.drainingFlag.load(ordering: .acquiring) }

    /// Marks the start of graceful shutdown: readiness turns 503 at once.
    public func beginDraining() { self.drainingFlag.store(true, ordering: .releasing) }

    /// Ready: not draining, and the last cluster check succeeded.
    public var isReady: Bool {
        !self.isDraining && (self.health?.isReachable ?? true) && self.fatalProducerError == nil
    }
}
