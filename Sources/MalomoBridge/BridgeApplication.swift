import CoreMetrics
import Hummingbird
import HummingbirdCore
import KafkaWire
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Assembles the bridge: the webhook listener, the management listener, the Kafka
/// producer and the secrets reloader, in one `ServiceGroup` with graceful shutdown on
/// SIGTERM and SIGINT.
public enum BridgeApplication {
    /// The webhook HTTP application (a `Service`) publishing through `producer`, without the
    /// producer's lifecycle.
    ///
    /// - Parameter onServerRunning: Called with the bound port once the listener is up.
    public static func makeWebhookApplication(
        configuration: BridgeConfiguration,
        secrets: WebhookSecretStore,
        producer: KafkaProducer,
        metrics: BridgeMetrics = BridgeMetrics(),
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Self.makeWebhookApplication(
            configuration: configuration,
            secrets: secrets,
            publisher: KafkaWebhookPublisher(producer: producer),
            metrics: metrics,
            logger: logger,
            onServerRunning: onServerRunning
        )
    }

    /// The webhook HTTP application (a `Service`) publishing through `publisher`.
    ///
    /// - Parameter onServerRunning: Called with the bound port once the listener is up.
    public static func makeWebhookApplication(
        configuration: BridgeConfiguration,
        secrets: WebhookSecretStore,
        publisher: any WebhookPublisher,
        metrics: BridgeMetrics = BridgeMetrics(),
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let handler = WebhookHandler(
            configuration: configuration,
            secrets: secrets,
            publisher: publisher,
            metrics: metrics,
            logger: logger
        )
        var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
        decoder.maxHeaderListSize = configuration.http.maxHeaderBytes
        decoder.maxHeaderFieldSize = configuration.http.maxHeaderBytes
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: TimeAmount(configuration.http.idleTimeout),
            httpDecoderConfiguration: decoder
        )
        return Application(
            responder: WebhookResponder(handler: handler),
            // Each connection runs on its own event loop (EventLoopBoundChildChannel): no hop to
            // Swift's cooperative pool and back for every read, handler and write.
            server: HTTPServerBuilder { responder in
                EventLoopBoundChildChannel(
                    base: HTTP1Channel(responder: responder, configuration: http1)
                )
            },
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.http.host, port: configuration.http.port),
                serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.http.maxConnections)
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.http.port) },
            logger: logger
        )
    }

    /// The management application: `/metrics`, `/healthz`, `/readyz`, `/webhooks` (the loaded
    /// webhook ids from `secrets`).
    public static func makeManagementApplication(
        configuration: BridgeConfiguration,
        metrics: BridgeMetrics,
        state: BridgeState,
        secrets: WebhookSecretStore? = nil,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: ManagementResponder(metrics: metrics, state: state, secrets: secrets),
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.management.host, port: configuration.management.port),
                serverName: nil
            ),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.management.port) },
            logger: logger
        )
    }

    /// Loads the secrets named by the configuration and checks that startup may proceed.
    /// - Throws: ``BridgeConfigurationError`` naming the setting at fault.
    public static func loadSecrets(configuration: BridgeConfiguration) throws(BridgeConfigurationError) -> WebhookSecretStore {
        var snapshot = WebhookSecretStore.Snapshot(defaults: configuration.webhook.defaultSecrets)
        if let directory = configuration.webhook.secretsDirectory {
            snapshot.byWebhookID = try WebhookSecretStore.readDirectory(directory)
        }
        try configuration.validateSecrets(secretsLoaded: snapshot.count)
        return WebhookSecretStore(snapshot)
    }

    /// Ports the listeners bound to.
    public struct Ports: Sendable {
        public var webhook: Int
        public var management: Int
    }

    /// Checks what librdkafka actually configured against what the bridge's answers promise:
    /// an idempotent producer writing with `acks=all` whose messages time out before the
    /// request's deadline. A property that slipped past the configuration's checks (an alias,
    /// a property that implies another) stops startup here.
    static func checkGuarantees(effective: [String: String], configuration: BridgeConfiguration) throws(BridgeConfigurationError) {
        let required: [(property: String, value: String)] = [
            ("enable.idempotence", "true"),
            ("request.required.acks", "-1"),
            ("message.timeout.ms", String(configuration.messageTimeout.wholeMilliseconds)),
        ]
        for (property, value) in required where effective[property] != value {
            throw .init(
                setting: "KAFKA_PROPERTY_* / KAFKA_PROPERTIES_FILE",
                message: "librdkafka's effective \(property) is '\(effective[property] ?? "unset")', not '\(value)' as the bridge requires"
            )
        }
        if let transactional = effective["transactional.id"], !transactional.isEmpty {
            throw .init(setting: "KAFKA_PROPERTY_* / KAFKA_PROPERTIES_FILE", message: "the producer must not be transactional")
        }
        if let mock = effective["test.mock.num.brokers"], mock != "0" {
            throw .init(setting: "KAFKA_PROPERTY_* / KAFKA_PROPERTIES_FILE", message: "the producer must write to KAFKA_BROKERS, not a mock cluster")
        }
        if let limit = effective["message.max.bytes"].flatMap({ Int($0) }), limit < configuration.largestRecordBytes {
            throw .init(
                setting: "MAX_BODY_BYTES",
                message: "a \(configuration.webhook.maxBodyBytes)-byte body makes Kafka records of up to \(configuration.largestRecordBytes) bytes, "
                    + "more than librdkafka's message.max.bytes (\(limit)): every such webhook would fail; lower MAX_BODY_BYTES "
                    + "or raise KAFKA_PROPERTY_MESSAGE_MAX_BYTES (and the brokers' limit)"
            )
        }
        if effective["delivery.report.only.error"] == "true" {
            throw .init(setting: "KAFKA_PROPERTY_* / KAFKA_PROPERTIES_FILE", message: "every delivery must be reported")
        }
        // A man in the middle could acknowledge records: whatever spelling got past the
        // configuration's checks, librdkafka's effective values decide.
        if effective["enable.ssl.certificate.verification"] == "false" {
            throw .init(setting: "KAFKA_PROPERTY_* / KAFKA_PROPERTIES_FILE", message: "broker certificate verification must stay on")
        }
        if effective["ssl.endpoint.identification.algorithm"] == "none" {
            throw .init(setting: "KAFKA_PROPERTY_* / KAFKA_PROPERTIES_FILE", message: "broker host-name verification must stay on")
        }
    }

    /// Runs the bridge until SIGTERM or SIGINT, then drains: readiness turns 503, the
    /// webhook listener stops accepting and finishes in-flight requests, the producer
    /// flushes, and the function returns.
    ///
    /// - Parameters:
    ///   - logWriter: The writer the process's log handlers write through, if any: the lines it
    ///     drops are counted in `malomo_bridge_log_lines_dropped_total` and reported in a warning.
    ///   - onRunning: Called once both listeners are up.
    public static func run(
        configuration: BridgeConfiguration,
        secrets: WebhookSecretStore,
        logger: Logger,
        logWriter: LogLineWriter? = nil,
        onRunning: @escaping @Sendable (Ports) async -> Void = { _ in }
    ) async throws {
        let metrics = BridgeMetrics()
        logWriter?.observeDrops { count in
            metrics.logLinesDropped.increment(by: count)
        } report: { count in
            logger.warning("Log lines dropped: standard error was not read fast enough", metadata: ["dropped": "\(count)"])
        }
        metrics.recordLimits(of: configuration)
        metrics.secretsLoaded.record(secrets.snapshot.count)
        let reloader = configuration.webhook.secretsDirectory.map { directory in
            SecretsReloader(
                directory: directory,
                interval: configuration.webhook.secretsReloadInterval,
                defaults: configuration.webhook.defaultSecrets,
                allowUnsigned: configuration.webhook.allowUnsigned,
                store: secrets,
                metrics: metrics,
                logger: logger
            )
        }
        var producerConfiguration = configuration.producerConfiguration
        // Queued messages time out before the ack timeout anyway: never flush longer.
        producerConfiguration.shutdownFlushTimeout = configuration.webhook.ackTimeout
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger) { statistics in
            metrics.apply(statistics)
        }
        try Self.checkGuarantees(effective: producer.effectiveProperties, configuration: configuration)
        logger.info(
            "Kafka producer configured",
            metadata: [
                "kafka.properties": .dictionary(
                    producer.effectiveProperties.filter { Self.loggedProperties.contains($0.key) }.mapValues { .string($0) }
                )
            ]
        )
        let health = KafkaClusterHealth(producer: producer)
        let state = BridgeState(health: health, producer: producer)
        let ports = PortsLatch()
        let management = makeManagementApplication(
            configuration: configuration,
            metrics: metrics,
            state: state,
            secrets: secrets,
            logger: logger
        ) { port in
            logger.info("Management listener started", metadata: ["port": "\(port)", "host": "\(configuration.management.host)"])
            if let ready = ports.set(management: port) { await onRunning(ready) }
        }
        let webhook = makeWebhookApplication(
            configuration: configuration,
            secrets: secrets,
            producer: producer,
            metrics: metrics,
            logger: logger
        ) { port in
            logger.info("Webhook listener started", metadata: ["port": "\(port)", "host": "\(configuration.http.host)"])
            if let ready = ports.set(webhook: port) { await onRunning(ready) }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // Started first, stopped last: the producer flushes after the webhook listener drained.
            .init(service: producer),
            // Stops before the producer flushes: readiness reads its last answer meanwhile.
            .init(service: health),
            .init(service: management),
        ]
        if let reloader {
            services.append(.init(service: reloader, successTerminationBehavior: .ignore))
        }
        services.append(.init(service: webhook))
        // Last in, so told first: readiness flips before the listener drains.
        services.append(.init(service: DrainMonitor(state: state, logger: logger), successTerminationBehavior: .ignore))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        logger.info("Stopped: in-flight requests answered, Kafka producer flushed")
    }

    /// librdkafka properties worth a line in the startup log (none of them secret), by the
    /// canonical names `rd_kafka_conf_dump` reports (`metadata.broker.list` for `bootstrap.servers`).
    static let loggedProperties: Set<String> = [
        "metadata.broker.list", "client.id", "enable.idempotence", "request.required.acks", "linger.ms",
        "message.timeout.ms", "queue.buffering.max.messages", "queue.buffering.max.kbytes", "compression.codec",
        "security.protocol", "sasl.mechanisms", "statistics.interval.ms", "reconnect.backoff.max.ms", "socket.nagle.disable",
    ]
}

/// Collects both listeners' ports and says when both are known.
final class PortsLatch: Sendable {
    private let ports = Mutex<(webhook: Int?, management: Int?)>((nil, nil))

    func set(webhook: Int) -> BridgeApplication.Ports? {
        self.ports.withLock { ports in
            ports.webhook = webhook
            return ports.management.map { BridgeApplication.Ports(webhook: webhook, management: $0) }
        }
    }

    func set(management: Int) -> BridgeApplication.Ports? {
        self.ports.withLock { ports in
            ports.management = management
            return ports.webhook.map { BridgeApplication.Ports(webhook: $0, management: management) }
        }
    }
}
