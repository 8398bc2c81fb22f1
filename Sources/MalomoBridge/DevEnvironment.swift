import Foundation
import KafkaWire
import Logging
import MalomoContract
import MalomoWebhookCore

/// Dev mode: an in-process three-broker Kafka (librdkafka's mock cluster), a dev secret,
/// and a banner with a ready-to-paste signed `curl` and a `kcat` command to read it back.
public struct DevEnvironment: Sendable {
    /// The secret used when none is configured.
    public static let devSecret = "malomo-dev-secret"
    /// The webhook id the example uses.
    public static let devWebhookID = "dev-webhook"

    /// The running cluster.
    public let cluster: MockKafkaCluster

    /// Starts the cluster.
    public init(logger: Logger) throws {
        self.cluster = try MockKafkaCluster(brokerCount: 3, logger: logger)
    }

    /// Points the configuration at the cluster, adds the dev secret when none is set, and
    /// creates the topics the bridge writes (as production expects them to exist: three
    /// replicas), so no topic is left to the broker's auto-creation defaults.
    public func apply(to configuration: inout BridgeConfiguration) throws {
        let routed =
            configuration.webhook.router.allowedTopics.map { MalomoTopic.known.filter($0.contains) + $0.subtracting(MalomoTopic.known).sorted() }
            ?? MalomoTopic.known
        for topic in routed.map({ $0.kafkaTopic(prefix: configuration.webhook.router.topicPrefix) }) + [configuration.webhook.router.deadLetterTopic]
        {
            try self.cluster.createTopic(topic, partitions: 3, replicationFactor: 3)
        }
        configuration.kafka.brokers = self.cluster.bootstrapServers.split(separator: ",").map(String.init)
        if configuration.webhook.defaultSecrets.isEmpty && configuration.webhook.secretsDirectory == nil {
            configuration.webhook.defaultSecrets = [WebhookSecret(Self.devSecret)!]
        }
    }

    /// The bundled sample order (`orders:created`).
    public static var sampleOrderPath: String? {
        Bundle.module.path(forResource: "sample-order", ofType: "json")
    }

    /// Whether this process runs in a container (Docker writes `/.dockerenv`, podman
    /// `/run/.containerenv`): the bundled sample's path is then not a path on the machine
    /// where the banner's `curl` is pasted.
    public static var runsInContainer: Bool {
        FileManager.default.fileExists(atPath: "/.dockerenv") || FileManager.default.fileExists(atPath: "/run/.containerenv")
    }

    /// `data` as the text of a quoted here-document that yields exactly its bytes, or `nil`
    /// when it cannot be one: it must be UTF-8 ending in a line feed, with no carriage return,
    /// NUL or line equal to `delimiter` (which would end the document early).
    public static func hereDocumentText(_ data: Data, delimiter: String) -> String? {
        let bytes = Array(data)
        guard bytes.last == 10, !bytes.contains(13), !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            return nil
        }
        let body = String(text.dropLast())
        guard !body.split(separator: "\n", omittingEmptySubsequences: false).contains(Substring(delimiter)) else { return nil }
        return body
    }

    /// The banner printed once the listener is up.
    public func banner(configuration: BridgeConfiguration, port: Int, managementPort: Int) -> String {
        self.banner(configuration: configuration, port: port, managementPort: managementPort, inContainer: Self.runsInContainer)
    }

    /// The banner; `inContainer` puts the sample's bytes into the `curl` (a quoted here-document,
    /// which keeps them exact) instead of its path, and names `malomo-events-tail` as the
    /// image ships it.
    public func banner(configuration: BridgeConfiguration, port: Int, managementPort: Int, inContainer: Bool) -> String {
        let host = configuration.http.host == "0.0.0.0" ? "127.0.0.1" : configuration.http.host
        let sample = MalomoTopic.ordersCreated
        let topic = sample.kafkaTopic(prefix: configuration.webhook.router.topicPrefix)
        var lines = [
            "",
            "malomo-bridge dev mode: in-process Kafka mock cluster (3 brokers, data in memory only)",
            "  Kafka bootstrap servers: \(self.cluster.bootstrapServers)",
            "  Webhook endpoint:        POST http://\(host):\(port)/webhooks/malomo",
            "  Metrics and health:      http://\(host):\(managementPort)/metrics  /healthz  /readyz",
        ]
        if let path = Self.sampleOrderPath, let data = FileManager.default.contents(atPath: path),
            let secret = configuration.webhook.defaultSecrets.first
        {
            let signature = WebhookSignatureVerifier.sign(body: Array(data), secret: secret)
            let usingDevSecret = secret == WebhookSecret(Self.devSecret)
            lines += [
                "  Webhook secret:          \(usingDevSecret ? Self.devSecret : "(the one you configured)")",
                "",
                "Send the bundled sample order, signed:",
                "  curl -i -X POST http://\(host):\(port)/webhooks/malomo \\",
                "    -H 'Content-Type: application/json' \\",
                "    -H 'Malomo-Topic: \(sample)' \\",
                "    -H 'Malomo-Webhook-Id: \(Self.devWebhookID)' \\",
                "    -H 'Malomo-Attempt-Number: 1' \\",
                "    -H 'Malomo-Signature: \(signature)' \\",
            ]
            let delimiter = "MALOMO_SAMPLE_ORDER"
            if inContainer, let text = Self.hereDocumentText(data, delimiter: delimiter) {
                lines += ["    --data-binary @- <<'\(delimiter)'", text, delimiter]
            } else {
                lines.append("    --data-binary @\(path)")
            }
        }
        lines += [
            "",
            "Each record carries the malomo-* headers and CloudEvents binary-mode ce_* headers.",
            "Read it back from Kafka (kcat), or decoded (malomo-events-tail):",
            "  kcat -C -b \(self.cluster.bootstrapServers) -t \(topic) -o beginning -e \\",
            "    -f 'topic=%t partition=%p offset=%o key=%k\\nheaders=%h\\n%s\\n'",
            "  \(inContainer ? "docker exec <container> " : "swift run ")malomo-events-tail --brokers \(self.cluster.bootstrapServers) --max 1",
            "",
            "Stop with Ctrl-C.",
            "",
        ]
        return lines.joined(separator: "\n")
    }
}
