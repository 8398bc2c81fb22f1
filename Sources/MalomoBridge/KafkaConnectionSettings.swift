import Foundation

/// Kafka security and pass-through settings, turned into librdkafka properties.
///
/// Precedence, lowest first: `KAFKA_PROPERTIES_FILE` (`name=value` lines), then the
/// `KAFKA_PROPERTY_<NAME>` environment variables (`_` → `.`, `__` → `_`; e.g.
/// `KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE=true`), then the named settings (TLS, SASL).
enum KafkaConnectionSettings {
    static let passThroughPrefix = "KAFKA_PROPERTY_"

    /// librdkafka properties the pass-through may not set, with what to do instead: they carry
    /// the bridge's delivery guarantees (a 2xx only once every in-sync replica has the record,
    /// exactly once per send, within Malomo's 10 s) or have a named, range-checked setting.
    /// Aliases are listed too: librdkafka accepts both names.
    static let reservedProperties: [String: String] = [
        "acks": "the bridge always writes with acks=all (a 202 means every in-sync replica has the record)",
        "request.required.acks": "the bridge always writes with acks=all (a 202 means every in-sync replica has the record)",
        "enable.idempotence": "the bridge's producer is always idempotent (a retried send is never written twice)",
        "transactional.id": "the bridge's producer is not transactional",
        "message.timeout.ms": "it is derived from ACK_TIMEOUT_MS, so every request is answered within Malomo's 10 s: set ACK_TIMEOUT_MS",
        "delivery.timeout.ms": "it is derived from ACK_TIMEOUT_MS, so every request is answered within Malomo's 10 s: set ACK_TIMEOUT_MS",
        "bootstrap.servers": "set KAFKA_BROKERS",
        "metadata.broker.list": "set KAFKA_BROKERS",
        "linger.ms": "set KAFKA_LINGER_MS",
        "queue.buffering.max.ms": "set KAFKA_LINGER_MS",
        "queue.buffering.max.messages": "set KAFKA_QUEUE_MAX_MESSAGES",
        "queue.buffering.max.kbytes": "set KAFKA_QUEUE_MAX_KBYTES",
        "compression.type": "set KAFKA_COMPRESSION",
        "compression.codec": "set KAFKA_COMPRESSION",
        "client.id": "set KAFKA_CLIENT_ID",
        "statistics.interval.ms": "set KAFKA_STATISTICS_INTERVAL_MS",
        "delivery.report.only.error": "the bridge answers a request only from its delivery report",
        "plugin.library.paths": "the bridge loads no librdkafka plugins",
    ]

    /// Values that would let a man in the middle acknowledge records: refused (compared in
    /// lower case; librdkafka reads a boolean's `false`, `f` and `0` in any case as false).
    /// `BridgeApplication.checkGuarantees` checks librdkafka's effective values again.
    static let refusedValues: [String: (values: Set<String>, why: String)] = [
        "enable.ssl.certificate.verification": (
            ["false", "f", "0"], "turns off broker certificate verification (set KAFKA_SSL_CA_LOCATION for a private CA)"
        ),
        "ssl.endpoint.identification.algorithm": (
            ["none"], "turns off broker host-name verification (set KAFKA_SSL_CA_LOCATION for a private CA)"
        ),
    ]

    /// librdkafka's aliases of properties, read as the canonical name so that a later source
    /// (the environment over the file, a named setting over both) replaces the earlier one
    /// instead of being overridden by an alias that sorts after it.
    static let aliases: [String: String] = [
        "sasl.mechanisms": "sasl.mechanism",
        "max.in.flight": "max.in.flight.requests.per.connection",
        "retries": "message.send.max.retries",
    ]

    static func canonical(_ name: String) -> String { aliases[name] ?? name }

    /// Refuses a reserved property, naming where it came from and what to use instead.
    static func checkNotReserved(_ name: String, value: String, setting: String) throws(BridgeConfigurationError) {
        if let instead = reservedProperties[name] {
            throw .init(setting: setting, message: "may not set '\(name)': \(instead)")
        }
        // test.mock.num.brokers makes librdkafka start an in-memory cluster and ignore
        // bootstrap.servers: every 202 would be a write to memory.
        if name.hasPrefix("test.") {
            throw .init(setting: setting, message: "may not set '\(name)': librdkafka's test properties are not for a bridge")
        }
        if let refused = refusedValues[name], refused.values.contains(value.lowercased()) {
            throw .init(setting: setting, message: "may not set '\(name)=\(value)': it \(refused.why)")
        }
    }

    static func read(_ values: inout SettingValues, environment: [String: String]) throws(BridgeConfigurationError) -> [String: String] {
        var properties: [String: String] = [:]
        /// Where each property was set (the setting to name in an error).
        var origins: [String: String] = [:]
        if let path = try values.text(.kafkaPropertiesFile) {
            let data: [UInt8]
            do {
                data = try BoundedFile.contents(of: path, limit: BoundedFile.propertiesLimit)
            } catch {
                throw .init(setting: "KAFKA_PROPERTIES_FILE", message: "'\(path)' \(error)")
            }
            for (number, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                guard let equals = trimmed.firstIndex(of: "=") else {
                    throw .init(setting: "KAFKA_PROPERTIES_FILE", message: "line \(number + 1) is not name=value")
                }
                let name = canonical(trimmed[..<equals].trimmingCharacters(in: .whitespaces))
                let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                try checkNotReserved(name, value: value, setting: "KAFKA_PROPERTIES_FILE")
                properties[name] = value
                origins[name] = "KAFKA_PROPERTIES_FILE"
            }
        }
        for (variable, value) in environment where variable.hasPrefix(passThroughPrefix) {
            let name = canonical(propertyName(fromVariable: variable))
            guard !name.isEmpty else {
                throw .init(setting: variable, message: "names no librdkafka property")
            }
            try checkNotReserved(name, value: value, setting: variable)
            properties[name] = value
            origins[name] = variable
        }
        // No default here: a KAFKA_PROPERTIES_FILE or KAFKA_PROPERTY_SECURITY_PROTOCOL may set it.
        let protocolName = try values.choice(.kafkaSecurityProtocol, applyingDefault: false)
        if let protocolName { properties["security.protocol"] = protocolName }
        let effectiveProtocol = protocolName ?? properties["security.protocol"] ?? "plaintext"
        for (setting, property) in [
            (BridgeSetting.kafkaSSLCALocation, "ssl.ca.location"), (.kafkaSSLCertificateLocation, "ssl.certificate.location"),
            (.kafkaSSLKeyLocation, "ssl.key.location"),
        ] {
            if let path = try values.text(setting) {
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw .init(setting: setting.environmentVariable, message: "cannot read '\(path)'")
                }
                properties[property] = path
                origins[property] = setting.environmentVariable
            }
        }
        if let password = try values.secret(.kafkaSSLKeyPassword, file: .kafkaSSLKeyPasswordFile) {
            properties["ssl.key.password"] = password
            origins["ssl.key.password"] = BridgeSetting.kafkaSSLKeyPassword.environmentVariable
        }
        if let mechanism = try values.choice(.kafkaSASLMechanism) {
            properties["sasl.mechanism"] = mechanism
            origins["sasl.mechanism"] = BridgeSetting.kafkaSASLMechanism.environmentVariable
        }
        if let username = try values.text(.kafkaSASLUsername) {
            properties["sasl.username"] = username
            origins["sasl.username"] = BridgeSetting.kafkaSASLUsername.environmentVariable
        }
        if let password = try values.secret(.kafkaSASLPassword, file: .kafkaSASLPasswordFile) {
            properties["sasl.password"] = password
            origins["sasl.password"] = BridgeSetting.kafkaSASLPassword.environmentVariable
        }
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
        try checkProtocolUses(properties.keys, origins: origins, protocol: effectiveProtocol)
        return properties
    }

    /// Refuses TLS settings under a protocol without TLS, and SASL settings under one without
    /// SASL: librdkafka ignores them, so a CA or a password set for a broker connection that
    /// plaintext then carries would look secured and be neither encrypted nor authenticated.
    static func checkProtocolUses(
        _ names: Dictionary<String, String>.Keys,
        origins: [String: String],
        protocol effectiveProtocol: String
    ) throws(BridgeConfigurationError) {
        let name = effectiveProtocol.lowercased()
        let usesTLS = name == "ssl" || name == "sasl_ssl"
        let usesSASL = name.hasPrefix("sasl_")
        for property in names.sorted() {
            let kind: String
            if property.hasPrefix("ssl."), !usesTLS {
                kind = "TLS"
            } else if property.hasPrefix("sasl."), !usesSASL {
                kind = "SASL"
            } else {
                continue
            }
            throw .init(
                setting: origins[property] ?? property,
                message: "sets '\(property)', a \(kind) setting, but KAFKA_SECURITY_PROTOCOL is \(effectiveProtocol), which does not use "
                    + "\(kind): librdkafka would ignore it. Set KAFKA_SECURITY_PROTOCOL to "
                    + (kind == "TLS" ? "ssl or sasl_ssl" : "sasl_ssl or sasl_plaintext") + ", or remove the setting"
            )
        }
    }

    /// `KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE` → `socket.keepalive.enable`; `__` stands for `_`.
    static func propertyName(fromVariable variable: String) -> String {
        let rest = variable.dropFirst(passThroughPrefix.count).lowercased()
        return rest.replacingOccurrences(of: "__", with: "\u{0}").replacingOccurrences(of: "_", with: ".")
            .replacingOccurrences(of: "\u{0}", with: "_")
    }
}
