import Hummingbird
import KafkaWire
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Assembles the bridge: the webhook listener and the Kafka producer, in one
/// `ServiceGroup` with graceful shutdown on SIGTERM and SIGINT.
public enum BridgeApplication {
    /// The webhook HTTP application (a `Service`), without the producer's lifecycle.
    ///
    /// - Parameter onServerRunning: Called with the bound port once the listener is up.
    public static func makeWebhookApplication(
        configuration: BridgeConfiguration,
        secrets: WebhookSecretStore,
        producer: KafkaProducer,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let handler = WebhookHandler(configuration: configuration, secrets: secrets, producer: producer, logger: logger)
        return Application(
            responder: WebhookResponder<BasicRequestContext>(handler: handler),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.httpHost, port: configuration.httpPort),
                serverName: nil
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.httpPort) },
            logger: logger
        )
    }

    /// Loads the secrets named by the configuration and checks that startup may proceed.
    /// - Throws: ``BridgeConfigurationError`` naming the setting at fault.
    public static func loadSecrets(configuration: BridgeConfiguration) throws(BridgeConfigurationError) -> WebhookSecretStore {
        var snapshot = WebhookSecretStore.Snapshot(defaults: configuration.defaultSecrets)
        if let directory = configuration.secretsDirectory {
            snapshot.byWebhookID = try WebhookSecretStore.readDirectory(directory)
        }
        try configuration.validateSecrets(secretsLoaded: snapshot.count)
        return WebhookSecretStore(snapshot)
    }

    /// Runs the bridge until SIGTERM or SIGINT, then drains: the listener stops accepting
    /// and finishes in-flight requests, then the producer flushes.
    public static func run(
        configuration: BridgeConfiguration,
        secrets: WebhookSecretStore,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let producer = try KafkaProducer(configuration: configuration.producerConfiguration, logger: logger)
        let app = makeWebhookApplication(
            configuration: configuration, secrets: secrets, producer: producer, logger: logger,
            onServerRunning: onServerRunning)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    // Started first, stopped last: the producer flushes after HTTP drained.
                    .init(service: producer),
                    .init(service: app),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
