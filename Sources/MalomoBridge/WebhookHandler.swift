import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import KafkaWire
import Logging
import MalomoContract
import MalomoWebhookCore
import Metrics
import NIOCore
import Synchronization

/// Handles `POST /webhooks/malomo` in named steps: admit, read the body within its deadline,
/// verify and route, publish, answer. Each step either returns what the next one needs or
/// throws the ``WebhookRejection`` that is answered; ``answer(_:_:channel:)`` turns either into
/// the response, the metrics and the log line. The 202 is sent only after the broker
/// acknowledged the record.
public final class WebhookHandler: Sendable {
    let router: WebhookRouter
    let secrets: WebhookSecretStore
    let allowUnsigned: Bool
    let maxBodyBytes: Int
    let maxInFlight: Int
    let readTimeout: TimeAmount
    /// ACK_TIMEOUT_MS: the longest a request waits for the broker's acknowledgement.
    let ackTimeout: TimeAmount
    let publisher: any WebhookPublisher
    let metrics: BridgeMetrics
    let logger: Logger
    private let inFlight = Atomic<Int>(0)

    /// Creates a handler publishing through `publisher`.
    public init(
        configuration: BridgeConfiguration,
        secrets: WebhookSecretStore,
        publisher: any WebhookPublisher,
        metrics: BridgeMetrics,
        logger: Logger
    ) {
        self.router = configuration.webhook.router
        self.secrets = secrets
        self.allowUnsigned = configuration.webhook.allowUnsigned
        self.maxBodyBytes = configuration.webhook.maxBodyBytes
        self.maxInFlight = configuration.webhook.maxInFlight
        self.readTimeout = TimeAmount(configuration.http.readTimeout)
        self.ackTimeout = TimeAmount(configuration.webhook.ackTimeout)
        self.publisher = publisher
        self.metrics = metrics
        self.logger = logger
    }

    /// One request's facts, for the log line and the metrics.
    struct Exchange {
        let requestID = RequestID.next()
        let started = ContinuousClock.now
        var webhookID: String?
        var malomoTopic: String?
        var eventID: String?
        /// The Malomo topic as the router parsed it, once verified.
        var topic: MalomoTopic?
        var verified = false
        /// The request's other Malomo headers, each read once.
        var signature: String?
        var attemptNumber: String?

        init() {}

        init(_ request: Request) {
            self.webhookID = request.headers.value(.malomoWebhookID)
            self.malomoTopic = request.headers.value(.malomoTopic)
            self.signature = request.headers.value(.malomoSignature)
            self.attemptNumber = request.headers.value(.malomoAttemptNumber)
        }
    }

    /// A webhook the broker acknowledged.
    struct Delivered {
        let record: WebhookRecord
        let report: KafkaDeliveryReport
    }

    func handle(_ request: Request, channel: any Channel) async -> Response {
        var exchange = Exchange(request)
        let admitted = self.inFlight.add(1, ordering: .relaxed).newValue
        self.metrics.requestsInFlight.record(admitted)
        defer { self.metrics.requestsInFlight.record(self.inFlight.subtract(1, ordering: .relaxed).newValue) }
        do throws(WebhookRejection) {
            try self.admit(request, inFlight: admitted)
            let body = try await self.readBody(request, channel: channel, started: exchange.started)
            let receivedAt = RFC3339Now.milliseconds()
            let record = try self.verifyAndRoute(body, receivedAt: receivedAt, exchange: &exchange)
            let report = try await self.publish(record, body: body, receivedAt: receivedAt, channel: channel)
            return self.answer(.success(Delivered(record: record, report: report)), exchange, channel: channel)
        } catch {
            return self.answer(.failure(error), exchange, channel: channel)
        }
    }

    // MARK: - Steps

    /// Admit: at most MAX_IN_FLIGHT requests at once, and no body announced larger than
    /// MAX_BODY_BYTES. Both are answered without reading the body.
    func admit(_ request: Request, inFlight: Int) throws(WebhookRejection) {
        guard inFlight <= self.maxInFlight else {
            throw WebhookRejection(
                .overloaded,
                "more than MAX_IN_FLIGHT (\(self.maxInFlight)) requests in flight; retry later",
                closesConnection: true
            )
        }
        if let length = request.headers.value(.contentLength).flatMap({ Int($0) }), length > self.maxBodyBytes {
            throw WebhookRejection(
                .tooLarge,
                "body of \(length) bytes exceeds MAX_BODY_BYTES (\(self.maxBodyBytes))",
                closesConnection: true
            )
        }
    }

    /// Read the body: all of it within HTTP_READ_TIMEOUT_MS, at most MAX_BODY_BYTES.
    ///
    /// At the deadline the connection's input is closed: the body read ends, a 408 is answered
    /// (the output is still open) and the connection closes. Should even that not get out (a
    /// client that stopped reading), the connection is closed two seconds later regardless.
    func readBody(_ request: Request, channel: any Channel, started: ContinuousClock.Instant) async throws(WebhookRejection) -> ByteBuffer {
        let (readDeadline, deadline) = ReadDeadline.start(on: channel, after: self.readTimeout)
        var request = request
        do {
            let body = try await request.collectBody(upTo: self.maxBodyBytes)
            deadline.cancel()
            readDeadline.cancelBackstop()
            return body
        } catch {
            deadline.cancel()
            let timedOut = ContinuousClock.now - started >= .nanoseconds(self.readTimeout.nanoseconds)
            if !timedOut { readDeadline.cancelBackstop() }
            if (error as? HTTPError)?.status == .contentTooLarge || error is NIOTooManyBytesError {
                // A body without Content-Length (chunked) found too large while reading.
                throw WebhookRejection(.tooLarge, "body exceeds MAX_BODY_BYTES (\(self.maxBodyBytes))", closesConnection: true)
            }
            if timedOut {
                throw WebhookRejection(.readTimeout, "the body did not arrive within HTTP_READ_TIMEOUT_MS", closesConnection: true)
            }
            throw WebhookRejection(.badRequest, "the request body could not be read", closesConnection: true)
        }
    }

    /// Verify the signature, then route: the Kafka record for the body (its topic, or the
    /// dead-letter topic with a reason), refused with a 413 if librdkafka could never take it.
    func verifyAndRoute(
        _ body: ByteBuffer,
        receivedAt: Int64,
        exchange: inout Exchange
    ) throws(WebhookRejection) -> WebhookRecord {
        let signature = exchange.signature
        let candidates = self.secrets.secrets(forWebhookID: exchange.webhookID)
        let (verdict, routed) = body.withUnsafeReadableBytes { bytes in
            let verdict = WebhookSignatureVerifier.verify(
                signature: signature,
                body: bytes,
                secrets: candidates,
                allowUnsigned: self.allowUnsigned
            )
            guard verdict.isAccepted else { return (verdict, WebhookRecord?.none) }
            let record = self.router.record(
                body: bytes,
                malomoTopic: exchange.malomoTopic,
                webhookID: exchange.webhookID,
                attemptNumber: exchange.attemptNumber,
                receivedAt: RFC3339Timestamp.format(millisecondsSinceEpoch: receivedAt)
            )
            return (verdict, record)
        }
        guard let record = routed else {
            switch verdict {
            case .missing: throw WebhookRejection(.signatureMissing, "Malomo-Signature header is required")
            case .malformed: throw WebhookRejection(.signatureMalformed, "Malomo-Signature must be 64 hexadecimal digits")
            case .noSecretConfigured: throw WebhookRejection(.noSecret, "no secret is configured for this webhook")
            default: throw WebhookRejection(.signatureMismatch, "Malomo-Signature does not match the body")
            }
        }
        exchange.verified = true
        exchange.eventID = record.eventID
        exchange.topic = record.malomoTopic
        self.metrics.attempt(exchange.attemptNumber)

        // A record librdkafka would refuse by itself (message.max.bytes) never fits, however often
        // Malomo retries: 413, not 503. (A broker's MESSAGE_TOO_LARGE stays a 503: it refuses a
        // whole batch, which may fit when retried.)
        let recordBytes =
            body.readableBytes + (record.key?.count ?? 0)
            + record.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 8 } + 512
        guard recordBytes <= self.publisher.maxRecordBytes else {
            throw WebhookRejection(
                .tooLarge,
                "the Kafka record for this body (about \(recordBytes) bytes) exceeds librdkafka's message.max.bytes "
                    + "(\(self.publisher.maxRecordBytes))"
            )
        }
        return record
    }

    /// Publish, and wait for the broker's acknowledgement at most ACK_TIMEOUT_MS.
    func publish(_ record: WebhookRecord, body: ByteBuffer, receivedAt: Int64, channel: any Channel) async throws(WebhookRejection)
        -> KafkaDeliveryReport
    {
        self.metrics.produceInFlight.record(self.publisher.inFlightCount + 1)
        let started = ContinuousClock.now
        defer {
            self.metrics.ackLatency.record(duration: ContinuousClock.now - started)
            self.metrics.produceInFlight.record(self.publisher.inFlightCount)
        }
        do {
            return try await self.publisher.publish(
                record,
                body: body,
                timestampMilliseconds: receivedAt,
                timeout: self.ackTimeout,
                eventLoop: channel.eventLoop
            )
        } catch {
            self.metrics.deliveryFailed(error)
            throw WebhookRejection(
                error.code == .shutdown ? .shuttingDown : .unavailable,
                "Kafka did not acknowledge the event (\(error.label)); retry later",
                kafkaError: error
            )
        }
    }

    // MARK: - The answer

    /// Turns a request's result into its response, its metrics and its log line: the one place
    /// that does.
    func answer(_ result: Result<Delivered, WebhookRejection>, _ exchange: Exchange, channel: any Channel) -> Response {
        var response: Response
        switch result {
        case .success(let delivered):
            let outcome: WebhookOutcome
            if let reason = delivered.record.deadLetterReason {
                outcome = .deadLettered
                self.metrics.deadLettered(reason: reason, topicLabel: self.metrics.deadLetterTopicLabel(for: delivered.record.malomoTopic))
            } else {
                outcome = .accepted
            }
            response = Self.jsonResponse(
                outcome.status,
                JSONResponseBody.accepted(
                    eventID: delivered.record.eventID,
                    topic: delivered.report.topic,
                    partition: delivered.report.partition,
                    offset: delivered.report.offset
                )
            )
            self.record(
                outcome,
                exchange,
                detail: delivered.record.deadLetterReason.map { "dead-lettered: \($0)" },
                kafkaTopic: delivered.report.topic
            )
        case .failure(let rejection):
            response = rejection.response
            self.record(
                rejection.outcome,
                exchange,
                detail: rejection.kafkaError.map { "\($0.label): \($0.reason)" } ?? rejection.message,
                kafkaTopic: nil
            )
            if rejection.closesConnection { response = Self.closingAfterResponse(response, channel) }
        }
        response.headers[.requestID] = exchange.requestID
        return response
    }

    private func record(_ outcome: WebhookOutcome, _ exchange: Exchange, detail: String?, kafkaTopic: String?) {
        let elapsed = ContinuousClock.now - exchange.started
        self.metrics.requestDuration.record(duration: elapsed)
        self.metrics.received(
            topicLabel: BridgeMetrics.topicLabel(for: exchange.topic, verified: exchange.verified),
            outcome: outcome
        )
        let level: Logger.Level =
            switch outcome.rawValue {
            case WebhookOutcome.accepted.rawValue: .debug
            case WebhookOutcome.unavailable.rawValue, WebhookOutcome.shuttingDown.rawValue: .error
            case WebhookOutcome.deadLettered.rawValue, WebhookOutcome.overloaded.rawValue: .warning
            default: .notice
            }
        guard self.logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "request_id": .string(exchange.requestID),
            "outcome": .string(outcome.rawValue),
            "status": .stringConvertible(outcome.status.code),
            "latency_ms": .string(String(format: "%.3f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)),
        ]
        if let webhookID = exchange.webhookID { metadata["malomo_webhook_id"] = .string(String(webhookID.prefix(128))) }
        if let topic = exchange.malomoTopic { metadata["malomo_topic"] = .string(String(topic.prefix(128))) }
        if let eventID = exchange.eventID { metadata["malomo_event_id"] = .string(eventID) }
        if let kafkaTopic { metadata["kafka_topic"] = .string(kafkaTopic) }
        if let detail { metadata["detail"] = .string(detail) }
        self.logger.log(level: level, "Webhook \(outcome.rawValue)", metadata: metadata)
    }

    /// Marks a response `Connection: close` and closes the connection half a second later, for
    /// answers given before (or instead of) reading the whole body: an unread body is drained at
    /// most that long, so a client cannot hold the connection by sending it slowly or not at all.
    /// Not at once: closing with the client's bytes unread would reset the connection and could
    /// lose the answer, and closing only the input makes the HTTP server answer a second time.
    static func closingAfterResponse(_ response: Response, _ channel: any Channel) -> Response {
        var response = response
        response.headers[.connection] = "close"
        channel.eventLoop.scheduleTask(in: lingerAfterRejection) { channel.close(promise: nil) }
        return response
    }

    /// How long a connection stays open after an answer given without reading the body.
    static let lingerAfterRejection: TimeAmount = .milliseconds(500)

    static func jsonResponse(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: json))
        )
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the id of the request's log line.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
