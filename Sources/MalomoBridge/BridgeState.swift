import KafkaWire
import Synchronization

/// What readiness depends on: the cluster answering, and the bridge not draining.
public final class BridgeState: Sendable {
    private let drainingFlag = Atomic<Bool>(false)
    let health: KafkaClusterHealth?

    /// Creates the state; `health` is `nil` in tests that do not check the cluster.
    public init(health: KafkaClusterHealth?) {
        self.health = health
    }

    /// Whether graceful shutdown began.
    public var isDraining: Bool { self.drainingFlag.load(ordering: .acquiring) }

    /// Marks the start of graceful shutdown: readiness turns 503 at once.
    public func beginDraining() { self.drainingFlag.store(true, ordering: .releasing) }

    /// Ready: not draining, and the last cluster check succeeded.
    public var isReady: Bool { !self.isDraining && (self.health?.isReachable ?? true) }
}
