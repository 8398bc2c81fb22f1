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
