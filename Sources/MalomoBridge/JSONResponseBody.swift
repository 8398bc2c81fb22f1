/// Builds the bridge's small JSON response bodies without an encoder.
enum JSONResponseBody {
    /// `{"event_id":…,"topic":…,"partition":…,"offset":…}`
    static func accepted(eventID: String, topic: String, partition: Int32, offset: Int64) -> String {
        "{\"event_id\":\(quoted(eventID)),\"topic\":\(quoted(topic)),\"partition\":\(partition),\"offset\":\(offset)}"
    }

    /// `{"error":…,"message":…}`
    static func error(_ outcome: WebhookOutcome, message: String) -> String {
        "{\"error\":\(quoted(outcome.rawValue)),\"message\":\(quoted(message))}"
    }

    static func quoted(_ text: String) -> String { JSONLogHandler.quote(text) }
}
