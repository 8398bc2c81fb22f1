import HTTPTypes

extension HTTPField.Name {
    /// `Malomo-Signature`: hex HMAC-SHA256 of the body.
    static let malomoSignature = HTTPField.Name("Malomo-Signature")!
    /// `Malomo-Topic`, e.g. `orders:created`.
    static let malomoTopic = HTTPField.Name("Malomo-Topic")!
    /// `Malomo-Webhook-Id`: the webhook resource that sent the request.
    static let malomoWebhookID = HTTPField.Name("Malomo-Webhook-Id")!
    /// `Malomo-Attempt-Number`: 1 on the first try.
    static let malomoAttemptNumber = HTTPField.Name("Malomo-Attempt-Number")!
}

extension HTTPFields {
    /// The value `self[name]` gives (repeated fields joined with ", "), without its lazy join
    /// when the field appears once, as it nearly always does: that join cost more per request
    /// than reading the request head.
    func value(_ name: HTTPField.Name) -> String? {
        var found: String? = nil
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}
