import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KafkaWire
import Logging
import MalomoBridge
import MalomoContract
import MalomoWebhookCore
import NIOCore
import Testing

/// A real bridge (real producer) on an in-process mock Kafka cluster, for tests.
package struct BridgeHarness {
    package static let secret = "test_secret"
    package static let webhookPath = "/webhooks/malomo"

    package let cluster: MockKafkaCluster
    package let producer: KafkaProducer
    package let configuration: BridgeConfiguration
    package let secrets: WebhookSecretStore
    package let logger: Logger

    /// Starts a cluster (topics pre-created so consumers can subscribe at once) and a producer.
    package init(
        brokers: Int = 3,
        secretsByWebhookID: [String: [String]] = [:],
        configure: (inout BridgeConfiguration) -> Void = { _ in }
    ) throws {
        var logger = Logger(label: "bridge-test")
        logger.logLevel = .warning
        self.logger = logger
        self.cluster = try MockKafkaCluster(brokerCount: brokers, logger: logger)
        for topic in MalomoTopic.known {
            try self.cluster.createTopic(topic.kafkaTopic(prefix: "malomo."), partitions: 3, replicationFactor: 1)
        }
        try self.cluster.createTopic("malomo.dead-letter", partitions: 1, replicationFactor: 1)
        (self.configuration, self.secrets) = Self.configuration(
            brokers: [self.cluster.bootstrapServers],
            secretsByWebhookID: secretsByWebhookID,
            configure: configure
        )
        self.producer = try KafkaProducer(configuration: self.configuration.producerConfiguration, logger: logger)
    }

    /// A test configuration (the test secret as default, then `configure`) and its secret store.
    package static func configuration(
        brokers: [String],
        secretsByWebhookID: [String: [String]],
        configure: (inout BridgeConfiguration) -> Void
    ) -> (BridgeConfiguration, WebhookSecretStore) {
        var configuration = BridgeConfiguration(kafkaBrokers: brokers)
        configuration.webhook.defaultSecrets = [WebhookSecret(Self.secret)!]
        configure(&configuration)
        let secrets = WebhookSecretStore(
            .init(
                defaults: configuration.webhook.defaultSecrets,
                byWebhookID: secretsByWebhookID.mapValues { $0.compactMap { WebhookSecret($0) } }
            )
        )
        return (configuration, secrets)
    }

    package func application() -> some ApplicationProtocol {
        BridgeApplication.makeWebhookApplication(
            configuration: self.configuration,
            secrets: self.secrets,
            producer: self.producer,
            logger: self.logger
        )
    }

    /// ``application()`` counting into `metrics`, for tests that read them back.
    package func application(metrics: BridgeMetrics) -> some ApplicationProtocol {
        BridgeApplication.makeWebhookApplication(
            configuration: self.configuration,
            secrets: self.secrets,
            producer: self.producer,
            metrics: metrics,
            logger: self.logger
        )
    }

    /// Headers Malomo would send, signed with `secret` (pass `nil` for no signature).
    package static func headers(
        body: [UInt8],
        topic: String? = "orders:created",
        webhookID: String = "wh_test",
        attempt: String = "1",
        secret: String? = BridgeHarness.secret
    ) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let topic { fields[HTTPField.Name("Malomo-Topic")!] = topic }
        fields[HTTPField.Name("Malomo-Webhook-Id")!] = webhookID
        fields[HTTPField.Name("Malomo-Attempt-Number")!] = attempt
        if let secret {
            fields[HTTPField.Name("Malomo-Signature")!] = WebhookSignatureVerifier.sign(body: body, secret: WebhookSecret(secret)!)
        }
        return fields
    }

    /// ``headers(body:topic:webhookID:attempt:secret:)`` as name-value pairs for ``RawHTTPClient``.
    package static func rawHeaders(body: [UInt8], topic: String = "orders:created") -> [(String, String)] {
        headers(body: body, topic: topic).map { ($0.name.rawName, $0.value) }
    }

    /// Posts a small signed webhook over a new connection (one that other tests' abuse did not
    /// touch) and returns the answer.
    package static func postSigned(port: Int, id: String = "ok") async throws -> RawHTTPClient.Response {
        let body = Array(#"{"id":"\#(id)"}"#.utf8)
        return try await RawHTTPClient.post(port: port, path: webhookPath, headers: rawHeaders(body: body), body: body).get()
    }

    /// How many records `topics` hold, summed over every partition's high watermark. After
    /// the producer's shutdown (which flushes) this counts every record the bridge produced,
    /// without waiting to see whether one more arrives.
    package func recordCount(topics: [String]) async throws -> Int64 {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: [self.cluster.bootstrapServers],
                groupID: "test-\(UUID().uuidString)",
                topics: []
            ),
            logger: self.logger
        )
        var total: Int64 = 0
        for topic in topics {
            for partition in try await consumer.watermarks(topic: topic) { total += partition.high }
        }
        await consumer.close()
        return total
    }

    /// Reads records from `topics` with a fresh consumer group until `count` arrived or the time is up.
    package func consume(topics: [String], count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: [self.cluster.bootstrapServers],
                groupID: "test-\(UUID().uuidString)",
                topics: topics
            ),
            logger: self.logger
        )
        var messages: [KafkaConsumerMessage] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: timeout)
                await consumer.close()
            }
            while messages.count < count, let message = try await consumer.next() {
                messages.append(message)
            }
            group.cancelAll()
        }
        await consumer.close()
        return messages
    }
}

/// The 202 body.
package struct AcceptedBody: Decodable, Equatable {
    package let event_id: String
    package let topic: String
    package let partition: Int
    package let offset: Int

    package init(_ buffer: ByteBuffer) throws {
        self = try JSONDecoder().decode(AcceptedBody.self, from: Data(buffer.readableBytesView))
    }
}

/// The `error` field of an error body, `nil` when the body is not one.
package func errorCode(_ buffer: ByteBuffer) -> String? {
    (try? ErrorBody(buffer))?.error
}

/// An error body.
package struct ErrorBody: Decodable {
    package let error: String
    package let message: String

    package init(_ buffer: ByteBuffer) throws {
        self = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer.readableBytesView))
    }
}

extension TestClientProtocol {
    /// POSTs `body` to the webhook path with `headers` (default: Malomo's, signed with the
    /// test secret; see ``BridgeHarness/headers(body:topic:webhookID:attempt:secret:)``).
    @discardableResult
    package func postWebhook<Return>(
        _ body: [UInt8],
        headers: HTTPFields? = nil,
        testCallback: @escaping (TestResponse) async throws -> Return = { $0 }
    ) async throws -> Return {
        try await self.execute(
            uri: BridgeHarness.webhookPath,
            method: .post,
            headers: headers ?? BridgeHarness.headers(body: body),
            body: ByteBuffer(bytes: body),
            testCallback: testCallback
        )
    }
}
