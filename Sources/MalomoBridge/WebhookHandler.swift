import Foundation
import HTTPTypes
import Hummingbird
import KafkaWire
import Logging
import MalomoWebhookCore
import NIOCore

/// Handles `POST /webhooks/malomo`: size limit, signature, routing, publish, answer.
///
/// The 202 is sent only after the broker acknowledged the record.
public struct WebhookHandler: Sendable {
    let router: WebhookRouter
    let secrets: WebhookSecretStore
    let allowUnsigned: Bool
    let maxBodyBytes: Int
    let producer: KafkaProducer
    let logger: Logger

    /// Seconds in `Retry-After` on 503 (Malomo keeps its own backoff; this is for other clients).
    static let retryAfterSeconds = "5"

    /// Creates a handler.
    public init(configuration: BridgeConfiguration, secrets: WebhookSecretStore, producer: KafkaProducer, logger: Logger) {
        self.router = configuration.router
        self.secrets = secrets
        self.allowUnsigned = configuration.allowUnsigned
        self.maxBodyBytes = configuration.maxBodyBytes
        self.producer = producer
        self.logger = logger
    }

    func handle(_ request: Request) async -> Response {
        let webhookID = request.headers[.malomoWebhookID]
        let malomoTopic = request.headers[.malomoTopic]
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > self.maxBodyBytes {
            return self.reject(.tooLarge, "body of \(length) bytes exceeds MAX_BODY_BYTES (\(self.maxBodyBytes))", webhookID)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: self.maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return self.reject(.tooLarge, "body exceeds MAX_BODY_BYTES (\(self.maxBodyBytes))", webhookID)
        } catch {
            return self.reject(.badRequest, "the request body could not be read", webhookID)
        }

        let receivedAt = RFC3339Timestamp.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        let signature = request.headers[.malomoSignature]
        let candidates = self.secrets.secrets(forWebhookID: webhookID)
        let (verdict, record) = body.withUnsafeReadableBytes { bytes in
            let verdict = WebhookSignatureVerifier.verify(
                signature: signature, body: bytes, secrets: candidates, allowUnsigned: self.allowUnsigned)
            guard verdict.isAccepted else { return (verdict, WebhookRecord?.none) }
            let record = self.router.record(
                body: bytes,
                malomoTopic: malomoTopic,
                webhookID: webhookID,
                attemptNumber: request.headers[.malomoAttemptNumber],
                receivedAt: receivedAt
            )
            return (verdict, record)
        }
        guard let record else {
            switch verdict {
            case .missing: return self.reject(.signatureMissing, "Malomo-Signature header is required", webhookID)
            case .malformed:
                return self.reject(.signatureMalformed, "Malomo-Signature must be 64 hexadecimal digits", webhookID)
            case .noSecretConfigured:
                return self.reject(.noSecret, "no secret is configured for this webhook", webhookID)
            default: return self.reject(.signatureMismatch, "Malomo-Signature does not match the body", webhookID)
            }
        }

        let kafkaRecord = KafkaProducerRecord(
            topic: record.topic,
            key: record.key,
            value: Array(body.readableBytesView),
            headers: record.headers.map { KafkaHeader(key: $0.name, string: $0.value) }
        )
        do {
            let report = try await self.producer.send(kafkaRecord)
            let outcome: WebhookOutcome = record.deadLetterReason == nil ? .accepted : .deadLettered
            if let reason = record.deadLetterReason {
                self.logger.warning(
                    "Webhook dead-lettered",
                    metadata: [
                        "malomo.webhook_id": "\(webhookID ?? "")", "malomo.event_id": "\(record.eventID)",
                        "malomo.dead_letter_reason": "\(reason)", "kafka.topic": "\(report.topic)",
                    ])
            }
            return Self.response(
                outcome.status,
                JSONResponseBody.accepted(
                    eventID: record.eventID, topic: report.topic, partition: report.partition, offset: report.offset))
        } catch let error as KafkaError {
            let outcome: WebhookOutcome = error.code == .shutdown ? .shuttingDown : .unavailable
            self.logger.error(
                "Webhook not acknowledged by Kafka",
                metadata: [
                    "malomo.webhook_id": "\(webhookID ?? "")", "malomo.event_id": "\(record.eventID)",
                    "kafka.topic": "\(record.topic)", "kafka.error": "\(error.label)", "kafka.reason": "\(error.reason)",
                ])
            return self.unavailable(outcome, "Kafka did not acknowledge the event (\(error.label)); retry later")
        } catch {
            return self.unavailable(.unavailable, "Kafka did not acknowledge the event; retry later")
        }
    }

    private func reject(_ outcome: WebhookOutcome, _ message: String, _ webhookID: String?) -> Response {
        self.logger.notice(
            "Webhook rejected",
            metadata: ["outcome": "\(outcome)", "malomo.webhook_id": "\(webhookID ?? "")", "reason": "\(message)"])
        return Self.response(outcome.status, JSONResponseBody.error(outcome, message: message))
    }

    private func unavailable(_ outcome: WebhookOutcome, _ message: String) -> Response {
        var response = Self.response(outcome.status, JSONResponseBody.error(outcome, message: message))
        response.headers[.retryAfter] = Self.retryAfterSeconds
        return response
    }

    static func response(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: json))
        )
    }
}
