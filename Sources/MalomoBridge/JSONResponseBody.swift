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

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
