import Crypto

/// Checks `Malomo-Signature`: HMAC-SHA256 over the raw body, hex-encoded, in upper or
/// lower case, compared in constant time against each candidate secret.
public enum WebhookSignatureVerifier {
    /// The result of a check.
    public enum Outcome: Sendable, Hashable {
        /// The signature matches one of the secrets.
        case valid
        /// No secret applies and unsigned webhooks are allowed.
        case unsignedAllowed
        /// A secret applies but the request has no signature header.
        case missing
        /// The header is not 64 hexadecimal digits.
        case malformed
        /// The header is well-formed but matches no secret.
        case mismatch
        /// No secret applies and unsigned webhooks are not allowed.
        case noSecretConfigured

        /// Whether the request may be published.
        public var isAccepted: Bool { self == .valid || self == .unsignedAllowed }
    }

    /// Verifies a request body against candidate secrets.
    ///
    /// - Parameters:
    ///   - signature: The `Malomo-Signature` header value, if present.
    ///   - body: The raw request body, exactly as received.
    ///   - secrets: Every secret that may have signed it (the webhook's own and the defaults).
    ///   - allowUnsigned: Accept requests when `secrets` is empty.
    public static func verify(
        signature: String?,
        body: UnsafeRawBufferPointer,
        secrets: [WebhookSecret],
        allowUnsigned: Bool
    ) -> Outcome {
        if secrets.isEmpty {
            return allowUnsigned ? .unsignedAllowed : .noSecretConfigured
        }
        guard let signature else { return .missing }
        guard let expected = SignatureHeader.digest(signature) else { return .malformed }
        var matched = false
        for secret in secrets {
            // Every secret is checked, so the time taken does not say which one matched.
            let key = SymmetricKey(data: secret.bytes)
            if HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: body, using: key) {
                matched = true
            }
        }
        return matched ? .valid : .mismatch
    }

    /// Convenience over bytes.
    public static func verify(
        signature: String?,
        body: [UInt8],
        secrets: [WebhookSecret],
        allowUnsigned: Bool
    ) -> Outcome {
        body.withUnsafeBytes { verify(signature: signature, body: $0, secrets: secrets, allowUnsigned: allowUnsigned) }
    }

    /// The hex signature of `body` under `secret`, upper case as Malomo's client sent it.
    public static func sign(body: [UInt8], secret: WebhookSecret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret.bytes))
        return Hex.encode(mac, uppercase: true)
    }
}
