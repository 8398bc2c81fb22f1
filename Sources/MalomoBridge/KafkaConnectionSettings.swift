import Foundation

/// Kafka security and pass-through settings, turned into librdkafka properties.
///
/// Precedence, lowest first: `KAFKA_PROPERTIES_FILE` (`name=value` lines), then the
/// `KAFKA_PROPERTY_<NAME>` environment variables (`_` → `.`, `__` → `_`; e.g.
/// `KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE=true`), then the named settings (TLS, SASL).
enum KafkaConnectionSettings {
    static let passThroughPrefix = "KAFKA_PROPERTY_"

    static func read(_ values: SettingValues, environment: [String: String]) throws(BridgeConfigurationError) -> [String: String] {
        var properties: [String: String] = [:]
        if let path = try values.text("KAFKA_PROPERTIES_FILE") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .init(setting: "KAFKA_PROPERTIES_FILE", message: "cannot read '\(path)'")
            }
            for (number, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                guard let equals = trimmed.firstIndex(of: "=") else {
                    throw .init(setting: "KAFKA_PROPERTIES_FILE", message: "line \(number + 1) is not name=value")
                }
                let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
                properties[name] = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            }
        }
        for (variable, value) in environment where variable.hasPrefix(passThroughPrefix) {
            let name = propertyName(fromVariable: variable)
            guard !name.isEmpty else {
                throw .init(setting: variable, message: "names no librdkafka property")
            }
            properties[name] = value
        }
        let protocolName = try values.choice("KAFKA_SECURITY_PROTOCOL", ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"])
        if let protocolName { properties["security.protocol"] = protocolName }
        let effectiveProtocol = protocolName ?? properties["security.protocol"] ?? "plaintext"
        for (variable, property) in [
            ("KAFKA_SSL_CA_LOCATION", "ssl.ca.location"), ("KAFKA_SSL_CERTIFICATE_LOCATION", "ssl.certificate.location"),
            ("KAFKA_SSL_KEY_LOCATION", "ssl.key.location"),
        ] {
            if let path = try values.text(variable) {
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw .init(setting: variable, message: "cannot read '\(path)'")
                }
                properties[property] = path
            }
        }
        if let password = try values.secret("KAFKA_SSL_KEY_PASSWORD") { properties["ssl.key.password"] = password }
        if let mechanism = try values.text("KAFKA_SASL_MECHANISM") {
            let allowed = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
            guard allowed.contains(mechanism.uppercased()) else {
                throw .init(setting: "KAFKA_SASL_MECHANISM", message: "'\(mechanism)' is not one of \(allowed.joined(separator: ", "))")
            }
            properties["sasl.mechanism"] = mechanism.uppercased()
        }
        if let username = try values.text("KAFKA_SASL_USERNAME") { properties["sasl.username"] = username }
        if let password = try values.secret("KAFKA_SASL_PASSWORD") { properties["sasl.password"] = password }
        if effectiveProtocol.hasPrefix("sasl") {
            for (property, setting) in [
                ("sasl.mechanism", "KAFKA_SASL_MECHANISM"), ("sasl.username", "KAFKA_SASL_USERNAME"), ("sasl.password", "KAFKA_SASL_PASSWORD"),
            ]
            where properties[property] == nil {
                throw .init(setting: setting, message: "is required with KAFKA_SECURITY_PROTOCOL=\(effectiveProtocol)")
            }
        }
        if (properties["ssl.certificate.location"] == nil) != (properties["ssl.key.location"] == nil) {
            throw .init(
                setting: properties["ssl.key.location"] == nil ? "KAFKA_SSL_KEY_LOCATION" : "KAFKA_SSL_CERTIFICATE_LOCATION",
                message: "a client certificate needs both KAFKA_SSL_CERTIFICATE_LOCATION and KAFKA_SSL_KEY_LOCATION"
            )
        }
        return properties
    }

    /// `KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE` → `socket.keepalive.enable`; `__` stands for `_`.
    static func propertyName(fromVariable variable: String) -> String {
        let rest = variable.dropFirst(passThroughPrefix.count).lowercased()
        return rest.replacingOccurrences(of: "__", with: "\u{0}").replacingOccurrences(of: "_", with: ".")
            .replacingOccurrences(of: "\u{0}", with: "_")
    }
}
