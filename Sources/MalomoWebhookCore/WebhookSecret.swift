/// One HMAC secret of a Malomo webhook, as bytes (the UTF-8 of the configured text).
///
/// Its `description` never shows the secret.
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    /// The secret bytes.
    public let bytes: [UInt8]

    /// Creates a secret from the text configured in Malomo. Surrounding white space is
    /// removed (files mounted from Kubernetes Secrets often end with a newline).
    /// Returns `nil` for an empty secret.
    public init?(_ text: some StringProtocol) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        self.bytes = Array(trimmed.utf8)
    }

    public var description: String { "WebhookSecret([redacted], \(self.bytes.count) bytes)" }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let text = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = text.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = text.lastIndex(where: { !isSpace($0) })!
        return text[start...end]
    }
}
