import HTTPTypes

/// What the bridge did with one request. The raw values are stable: they are log fields
/// and metric labels, and the `error` field of error responses.
public struct WebhookOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The stable name.
    public let rawValue: String
    /// The HTTP status answered.
    public let status: HTTPResponse.Status

    /// Published to its topic after the broker acknowledged (202).
    public static let accepted = WebhookOutcome(rawValue: "accepted", status: .accepted)
    /// Verified but unroutable; published to the dead-letter topic (202).
    public static let deadLettered = WebhookOutcome(rawValue: "dead_lettered", status: .accepted)
    /// `Malomo-Signature` missing while a secret applies (401).
    public static let signatureMissing = WebhookOutcome(rawValue: "signature_missing", status: .unauthorized)
    /// `Malomo-Signature` is not 64 hex digits (401).
    public static let signatureMalformed = WebhookOutcome(rawValue: "signature_malformed", status: .unauthorized)
    /// `Malomo-Signature` matches no configured secret (401).
    public static let signatureMismatch = WebhookOutcome(rawValue: "signature_mismatch", status: .unauthorized)
    /// No secret applies to this webhook id and unsigned webhooks are not allowed (401).
    public static let noSecret = WebhookOutcome(rawValue: "no_secret_for_webhook", status: .unauthorized)
    /// Body larger than `MAX_BODY_BYTES`, or a record larger than Kafka accepts (413).
    public static let tooLarge = WebhookOutcome(rawValue: "too_large", status: .contentTooLarge)
    /// The body could not be read (client went away or sent a broken body) (400).
    public static let badRequest = WebhookOutcome(rawValue: "bad_request", status: .badRequest)
    /// More than `MAX_IN_FLIGHT` requests at once (503).
    public static let overloaded = WebhookOutcome(rawValue: "overloaded", status: .serviceUnavailable)
    /// The body did not arrive within `HTTP_READ_TIMEOUT_MS` (408; the connection is closed).
    public static let readTimeout = WebhookOutcome(rawValue: "read_timeout", status: .requestTimeout)
    /// Kafka did not acknowledge in time, or the producer queue is full (503).
    public static let unavailable = WebhookOutcome(rawValue: "unavailable", status: .serviceUnavailable)
    /// The bridge is shutting down (503).
    public static let shuttingDown = WebhookOutcome(rawValue: "shutting_down", status: .serviceUnavailable)
    /// Another method on the webhook path (405).
    public static let methodNotAllowed = WebhookOutcome(rawValue: "method_not_allowed", status: .methodNotAllowed)
    /// Another path (404).
    public static let notFound = WebhookOutcome(rawValue: "not_found", status: .notFound)

    /// Every outcome, for pre-registering metrics.
    public static let all: [WebhookOutcome] = [
        .accepted, .deadLettered, .signatureMissing, .signatureMalformed, .signatureMismatch, .noSecret, .tooLarge,
        .badRequest, .overloaded, .readTimeout, .unavailable, .shuttingDown, .methodNotAllowed, .notFound,
    ]

    public var description: String { self.rawValue }
}
