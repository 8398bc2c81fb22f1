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

/// Handles `POST /webhooks/malomo`: admission, size limit, read deadline, signature,
/// routing, publish, answer. The 202 is sent only after the broker acknowledged the record.
public final class WebhookHandler: Sendable {
    let router: WebhookRouter
    let secrets: WebhookSecretStore
    let allowUnsigned: Bool
    let maxBodyBytes: Int
    /// librdkafka's `message.max.bytes` as in force.
    let maxRecordBytes: Int
    let maxInFlight: Int
    let readTimeout: TimeAmount
    /// ACK_TIMEOUT_MS: the longest a request waits for the broker's acknowledgement.
    let ackTimeout: TimeAmount
    let producer: KafkaProducer
    let metrics: BridgeMetrics
    let logger: Logger
    private let inFlight = Atomic<Int>(0)

    /// Seconds in `Retry-After` on 503 (Malomo keeps its own backoff; this is for other clients).
    static let retryAfterSeconds = "5"

    /// Creates a handler.
    public init(
        configuration: BridgeConfiguration,
        secrets: WebhookSecretStore,
        producer: KafkaProducer,
        metrics: BridgeMetrics,
        logger: Logger
    ) {
        self.router = configuration.router
        self.secrets = secrets
        self.allowUnsigned = configuration.allowUnsigned
        self.maxBodyBytes = configuration.maxBodyBytes
        self.maxRecordBytes = producer.effectiveProperties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
        self.maxInFlight = configuration.maxInFlight
        self.readTimeout = .milliseconds(Int64(configuration.httpReadTimeoutMilliseconds))
        self.ackTimeout = .milliseconds(Int64(configuration.ackTimeoutMilliseconds))
        self.producer = producer
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
        var verified = false
    }

    func handle(_ request: Request, channel: any Channel) async -> Response {
        var exchange = Exchange()
        exchange.webhookID = request.headers[.malomoWebhookID]
        exchange.malomoTopic = request.headers[.malomoTopic]
        let admitted = self.inFlight.add(1, ordering: .relaxed).newValue
        self.metrics.requestsInFlight.record(admitted)
        defer {
            let remaining = self.inFlight.subtract(1, ordering: .relaxed).newValue
            self.metrics.requestsInFlight.record(remaining)
        }
        guard admitted <= self.maxInFlight else {
            return Self.closingAfterResponse(
                self.finish(.overloaded, "more than MAX_IN_FLIGHT (\(self.maxInFlight)) requests in flight; retry later", exchange),
                channel
            )
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > self.maxBodyBytes {
            return Self.closingAfterResponse(
                self.finish(.tooLarge, "body of \(length) bytes exceeds MAX_BODY_BYTES (\(self.maxBodyBytes))", exchange),
                channel
            )
        }

        // The body must arrive within HTTP_READ_TIMEOUT_MS. At the deadline the connection's
        // input is closed: the body read ends, a 408 is answered (the output is still open) and
        // the connection closes. Should even that not get out (a client that stopped reading),
        // the connection is closed two seconds later regardless.
        let deadline = channel.eventLoop.scheduleTask(in: self.readTimeout) { channel.close(mode: .input, promise: nil) }
        let backstop = channel.eventLoop.scheduleTask(in: self.readTimeout + .seconds(2)) { channel.close(promise: nil) }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: self.maxBodyBytes)
            deadline.cancel()
            backstop.cancel()
        } catch {
            deadline.cancel()
            let timedOut = ContinuousClock.now - exchange.started >= .nanoseconds(self.readTimeout.nanoseconds)
            if !timedOut { backstop.cancel() }
            let tooLarge = (error as? HTTPError)?.status == .contentTooLarge || error is NIOTooManyBytesError
            let response =
                if tooLarge {
                    // A body without Content-Length (chunked) found too large while reading.
                    self.finish(.tooLarge, "body exceeds MAX_BODY_BYTES (\(self.maxBodyBytes))", exchange)
                } else if timedOut {
                    self.finish(.readTimeout, "the body did not arrive within HTTP_READ_TIMEOUT_MS", exchange)
                } else {
                    self.finish(.badRequest, "the request body could not be read", exchange)
                }
            return Self.closingAfterResponse(response, channel)
        }

        let receivedAtMilliseconds = RFC3339Now.milliseconds()
        let receivedAt = RFC3339Timestamp.format(millisecondsSinceEpoch: receivedAtMilliseconds)
        let signature = request.headers[.malomoSignature]
        let candidates = self.secrets.secrets(forWebhookID: exchange.webhookID)
        let (verdict, record) = body.withUnsafeReadableBytes { bytes in
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
                attemptNumber: request.headers[.malomoAttemptNumber],
                receivedAt: receivedAt
            )
            return (verdict, record)
        }
        guard let record else {
            switch verdict {
            case .missing: return self.finish(.signatureMissing, "Malomo-Signature header is required", exchange)
            case .malformed:
                return self.finish(.signatureMalformed, "Malomo-Signature must be 64 hexadecimal digits", exchange)
            case .noSecretConfigured:
                return self.finish(.noSecret, "no secret is configured for this webhook", exchange)
            default: return self.finish(.signatureMismatch, "Malomo-Signature does not match the body", exchange)
            }
        }
        exchange.verified = true
        exchange.eventID = record.eventID
        self.metrics.attempt(request.headers[.malomoAttemptNumber])

        // A record librdkafka would refuse by itself (message.max.bytes) never fits, however often
        // Malomo retries: 413, not 503. (A broker's MESSAGE_TOO_LARGE stays a 503: it refuses a
        // whole batch, which may fit when retried.)
        let recordBytes =
            body.readableBytes + (record.key?.count ?? 0)
            + record.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 8 } + 512
        guard recordBytes <= self.maxRecordBytes else {
            return self.finish(
                .tooLarge,
                "the Kafka record for this body (about \(recordBytes) bytes) exceeds librdkafka's message.max.bytes (\(self.maxRecordBytes))",
                exchange
            )
        }
        self.metrics.produceInFlight.record(self.producer.inFlightCount + 1)
        let produceStart = ContinuousClock.now
        defer { self.metrics.produceInFlight.record(self.producer.inFlightCount) }
        // `message.timeout.ms` (ACK_TIMEOUT_MS less a second) usually ends the wait first, but
        // librdkafka reports a timeout only at its next scan: at ACK_TIMEOUT_MS the wait ends
        // regardless, with a 503 (see KafkaDeliveryWait).
        let wait = KafkaDeliveryWait()
        let ackDeadline = channel.eventLoop.scheduleTask(in: self.ackTimeout) { wait.abandon() }
        defer { ackDeadline.cancel() }
        do {
            let report = try await self.producer.send(
                topic: record.topic,
                key: record.key,
                value: body,
                headers: record.headers.map { KafkaHeader(key: $0.name, string: $0.value) },
                timestampMilliseconds: receivedAtMilliseconds,
                wait: wait
            )
            self.metrics.ackLatency.record(duration: ContinuousClock.now - produceStart)
            let outcome: WebhookOutcome
            if let reason = record.deadLetterReason {
                outcome = .deadLettered
                self.metrics.deadLettered(reason: reason, topicLabel: self.metrics.deadLetterTopicLabel(for: record.malomoTopic))
            } else {
                outcome = .accepted
            }
            var response = Self.response(
                outcome.status,
                JSONResponseBody.accepted(
                    eventID: record.eventID,
                    topic: report.topic,
                    partition: report.partition,
                    offset: report.offset
                )
            )
            response.headers[.requestID] = exchange.requestID
            self.record(outcome, exchange, detail: record.deadLetterReason.map { "dead-lettered: \($0)" }, kafkaTopic: report.topic)
            return response
        } catch {
            self.metrics.ackLatency.record(duration: ContinuousClock.now - produceStart)
            self.metrics.deliveryFailed(error)
            let outcome: WebhookOutcome = error.code == .shutdown ? .shuttingDown : .unavailable
            return self.finish(outcome, "Kafka did not acknowledge the event (\(error.label)); retry later", exchange, kafkaError: error)
        }
    }

    /// Answers with an error body, counting and logging the outcome.
    func finish(_ outcome: WebhookOutcome, _ message: String, _ exchange: Exchange, kafkaError: KafkaError? = nil) -> Response {
        var response = Self.response(outcome.status, JSONResponseBody.error(outcome, message: message))
        response.headers[.requestID] = exchange.requestID
        if outcome.status == .serviceUnavailable { response.headers[.retryAfter] = Self.retryAfterSeconds }
        self.record(outcome, exchange, detail: kafkaError.map { "\($0.label): \($0.reason)" } ?? message, kafkaTopic: nil)
        return response
    }

    private func record(_ outcome: WebhookOutcome, _ exchange: Exchange, detail: String?, kafkaTopic: String?) {
        let elapsed = ContinuousClock.now - exchange.started
        self.metrics.requestDuration.record(duration: elapsed)
        self.metrics.received(
            topicLabel: BridgeMetrics.topicLabel(for: exchange.malomoTopic, verified: exchange.verified),
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

    static func response(_ status: HTTPResponse.Status, _ json: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: json))
        )
    }
}

extension ByteBuffer: KafkaContiguousBytes {
    /// The readable bytes, in place.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeReadableBytes(body)
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`: the id of the request's log line.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
