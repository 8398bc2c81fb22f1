/// A failed call to Malomo's REST API, with a message an operator can act on. It never holds
/// the API key.
public struct MalomoAPIError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// Malomo answered with this HTTP status.
        case status(Int)
        /// No answer: the connection failed, or the request ran past its time limit.
        case transport
        /// An answer that is not what the API documents.
        case unexpectedResponse
        /// Malomo answered with a redirect, which is not followed (it would carry the API key
        /// to another address).
        case redirect
    }

    /// What went wrong.
    public var kind: Kind
    /// The detail: Malomo's own `message` when it sent one.
    public var message: String
    /// Malomo's `code`, if it sent one.
    public var code: String?
    /// Malomo's `request_id`, if it sent one (quote it to Malomo's support).
    public var requestID: String?
    /// The request, as `METHOD /path` (no query, no headers).
    public var request: String?

    /// Creates an error.
    public init(kind: Kind, message: String, code: String? = nil, requestID: String? = nil, request: String? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.requestID = requestID
        self.request = request
    }

    /// The HTTP status, when Malomo answered.
    public var status: Int? {
        if case .status(let status) = self.kind { return status }
        return nil
    }

    public var description: String {
        var text = self.request.map { "\($0): " } ?? ""
        switch self.kind {
        case .status(401):
            text += "Malomo refused the API key (401): check MALOMO_API_KEY or MALOMO_API_KEY_FILE"
        case .status(403):
            text += "the API key may not do this (403)"
        case .status(404):
            text += "not found at Malomo (404): check MALOMO_API_URL, or the webhook was already deleted"
        case .status(422):
            text += "Malomo rejected the request (422)"
        case .status(429):
            text += "Malomo is rate limiting (429) and kept refusing after the retries"
        case .status(let status) where status >= 500:
            text += "Malomo failed (\(status)) and kept failing after the retries"
        case .status(let status):
            text += "Malomo answered \(status)"
        case .transport:
            text += "no answer from Malomo"
        case .unexpectedResponse:
            text += "unexpected answer from Malomo"
        case .redirect:
            text += "Malomo answered with a redirect, which is not followed (it would send the API key elsewhere): check MALOMO_API_URL"
        }
        if !self.message.isEmpty { text += ": \(self.message)" }
        if let code = self.code { text += " [code \(code)]" }
        if let requestID = self.requestID { text += " (request_id \(requestID))" }
        return text
    }
}
