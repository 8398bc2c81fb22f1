import Logging
import ServiceLifecycle

/// The first service told about graceful shutdown (it is last in the group): turns
/// readiness to 503 at once, before the webhook listener starts draining.
struct DrainMonitor: Service {
    let state: BridgeState
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        self.state.beginDraining()
        self.logger.info("Draining: readiness is now 503; finishing in-flight requests, then flushing Kafka")
    }
}
