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
        guard let expected = decodeHexDigest(signature) else { return .malformed }
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

    /// Decodes 64 hex digits (either case, surrounding white space ignored) into 32 bytes.
    static func decodeHexDigest(_ text: String) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8.removeLast() }
        var start = 0
        while start < utf8.count, utf8[start] == 0x20 || utf8[start] == 0x09 { start += 1 }
        guard utf8.count - start == 64 else { return nil }
        var result = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = Hex.value(utf8[start + 2 * index]), let low = Hex.value(utf8[start + 2 * index + 1]) else {
                return nil
            }
            result[index] = high << 4 | low
        }
        return result
    }
}
