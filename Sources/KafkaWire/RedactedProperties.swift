/// Hides the values of librdkafka properties that carry secrets.
enum RedactedProperties {
    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        // "passphrase": a key passphrase, such as newer librdkafkas' sasl.oauthbearer.assertion.private.key.passphrase.
        return lowered.contains("password") || lowered.contains("passphrase") || lowered.contains("secret") || lowered.hasSuffix(".key.pem")
            || lowered.contains("sasl.oauthbearer.config") || lowered.hasSuffix("key.password")
    }

    static func redact(_ properties: [String: String]) -> [String: String] {
        var result = properties
        for (key, value) in properties where isSecret(key) && !value.isEmpty {
            result[key] = "[redacted]"
        }
        return result
    }
}
