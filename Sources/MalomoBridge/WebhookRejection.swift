import HTTPTypes
import Hummingbird
import KafkaWire

/// A webhook the bridge does not acknowledge, thrown by the step that refused it: its outcome
/// (and so its HTTP status), the message answered, and what else the answer needs.
///
/// Internal: ``WebhookHandler`` catches every one and answers it itself (request id, metrics,
/// log line, the connection's close); the `HTTPResponseError` conformance only gives one that
/// escaped by mistake the same status and body.
struct WebhookRejection: Error, HTTPResponseError {
    /// What happened, as logged and counted.
    let outcome: WebhookOutcome
    /// The `message` of the error body.
    let message: String
    /// Kafka's error, when publishing failed (logged as the detail).
    let kafkaError: KafkaError?
    /// Answered without reading the whole body: the connection closes after the answer.
    let closesConnection: Bool

    init(_ outcome: WebhookOutcome, _ message: String, kafkaError: KafkaError? = nil, closesConnection: Bool = false) {
        self.outcome = outcome
        self.message = message
        self.kafkaError = kafkaError
        self.closesConnection = closesConnection
    }

    /// Seconds in `Retry-After` on 503 (Malomo keeps its own backoff; this is for other clients).
    static let retryAfterSeconds = "5"

    var status: HTTPResponse.Status { self.outcome.status }

    /// The error body, with `Retry-After` on a 503.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        self.response
    }

    var response: Response {
        var response = WebhookHandler.jsonResponse(self.status, JSONResponseBody.error(self.outcome, message: self.message))
        if self.status == .serviceUnavailable { response.headers[.retryAfter] = Self.retryAfterSeconds }
        return response
    }
}
