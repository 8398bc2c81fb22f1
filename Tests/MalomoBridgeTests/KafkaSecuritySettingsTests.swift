import Configuration
import Foundation
import Logging
import Testing

@testable import KafkaWire
@testable import MalomoBridge

/// TLS, SASL and pass-through settings reach librdkafka (checked through the configuration
/// librdkafka itself reports: no secured broker runs here).
@Suite struct KafkaSecuritySettingsTests {
    static func makeCertificate(in directory: URL) throws -> (certificate: String, key: String) {
        let certificate = directory.appendingPathComponent("client.pem").path
        let key = directory.appendingPathComponent("client.key").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1", "-subj",
            "/CN=malomo-bridge-test",
        ]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (certificate, key)
    }

    func configuration(_ environment: [String: String]) throws(BridgeConfigurationError) -> BridgeConfiguration {
        var env = environment
        env["KAFKA_BROKERS"] = env["KAFKA_BROKERS"] ?? "127.0.0.1:1"
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: env))
        return try BridgeConfiguration(reader: reader, environment: env)
    }

    @Test func saslSSLWithClientCertificateReachesLibrdkafka() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = try Self.makeCertificate(in: directory)
        let passwordFile = directory.appendingPathComponent("sasl-password")
        try "s3cr3t-from-file\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let bridge = try configuration([
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SSL_CA_LOCATION": certificate,
            "KAFKA_SSL_CERTIFICATE_LOCATION": certificate, "KAFKA_SSL_KEY_LOCATION": key,
            "KAFKA_SASL_MECHANISM": "scram-sha-512", "KAFKA_SASL_USERNAME": "bridge",
            "KAFKA_SASL_PASSWORD_FILE": passwordFile.path, "KAFKA_COMPRESSION": "zstd", "KAFKA_CLIENT_ID": "bridge-eu-1",
            "KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE": "true", "KAFKA_PROPERTY_LOG__LEVEL": "5",
        ])
        let producer = try KafkaProducer(configuration: bridge.producerConfiguration, logger: Logger(label: "tls"))
        // What librdkafka itself reports, unredacted (internal), then the redacted public view.
        let raw = producer.client.effectiveProperties
        #expect(raw["security.protocol"] == "sasl_ssl")
        #expect(raw["ssl.ca.location"] == certificate)
        #expect(raw["ssl.certificate.location"] == certificate)
        #expect(raw["ssl.key.location"] == key)
        #expect(raw["sasl.mechanisms"] == "SCRAM-SHA-512")
        #expect(raw["sasl.username"] == "bridge")
        #expect(raw["sasl.password"] == "s3cr3t-from-file")
        #expect(raw["compression.codec"] == "zstd")
        #expect(raw["client.id"] == "bridge-eu-1")
        #expect(raw["socket.keepalive.enable"] == "true")
        #expect(raw["log_level"] == "5")
        #expect(producer.effectiveProperties["sasl.password"] == "[redacted]")
        #expect(!bridge.redactedSummary.values.contains { $0.contains("s3cr3t") })
    }

    /// Precedence, lowest first: the file, then `KAFKA_PROPERTY_*`, then the named settings,
    /// even where the file uses an alias of the property (`sasl.mechanisms`).
    @Test func namedSettingsWinOverPassThroughWhichWinsOverTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("props-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("kafka.properties")
        try "# comment\nsocket.timeout.ms = 12345\nsasl.mechanisms=SCRAM-SHA-256\nsocket.keepalive.enable=false\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let bridge = try configuration([
            "KAFKA_PROPERTIES_FILE": file.path, "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_USERNAME": "u",
            "KAFKA_SASL_PASSWORD": "p", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_PROPERTY_SOCKET_TIMEOUT_MS": "23456",
        ])
        let producer = try KafkaProducer(configuration: bridge.producerConfiguration, logger: Logger(label: "plain"))
        let raw = producer.client.effectiveProperties
        #expect(raw["socket.timeout.ms"] == "23456", "KAFKA_PROPERTY_* wins over the file")
        #expect(raw["socket.keepalive.enable"] == "false", "the file applies where nothing else sets the property")
        #expect(raw["security.protocol"] == "sasl_plaintext")
        #expect(raw["sasl.mechanisms"] == "PLAIN", "the named setting wins over the file's alias")
    }

    /// The properties that carry the delivery guarantees, or have a named setting, cannot be
    /// set through the pass-through (exit 2 at startup, naming where it was set and what to use).
    @Test(arguments: [
        ("KAFKA_PROPERTY_ENABLE_IDEMPOTENCE", "false", "enable.idempotence"),
        ("KAFKA_PROPERTY_DELIVERY_TIMEOUT_MS", "120000", "ACK_TIMEOUT_MS"),
        ("KAFKA_PROPERTY_MESSAGE_TIMEOUT_MS", "120000", "ACK_TIMEOUT_MS"),
        ("KAFKA_PROPERTY_ACKS", "1", "acks=all"),
        ("KAFKA_PROPERTY_REQUEST_REQUIRED_ACKS", "0", "acks=all"),
        ("KAFKA_PROPERTY_BOOTSTRAP_SERVERS", "evil:9092", "KAFKA_BROKERS"),
        ("KAFKA_PROPERTY_LINGER_MS", "500", "KAFKA_LINGER_MS"),
        ("KAFKA_PROPERTY_QUEUE_BUFFERING_MAX_MS", "500", "KAFKA_LINGER_MS"),
        ("KAFKA_PROPERTY_QUEUE_BUFFERING_MAX_MESSAGES", "1", "KAFKA_QUEUE_MAX_MESSAGES"),
        ("KAFKA_PROPERTY_TRANSACTIONAL_ID", "t", "not transactional"),
        ("KAFKA_PROPERTY_TEST_MOCK_NUM_BROKERS", "1", "test properties"),
        ("KAFKA_PROPERTY_DELIVERY_REPORT_ONLY_ERROR", "true", "delivery report"),
        ("KAFKA_PROPERTY_PLUGIN_LIBRARY_PATHS", "/tmp/evil.so", "plugins"),
        ("KAFKA_PROPERTY_ENABLE_SSL_CERTIFICATE_VERIFICATION", "false", "certificate verification"),
        // librdkafka reads f, F and 0 as false too.
        ("KAFKA_PROPERTY_ENABLE_SSL_CERTIFICATE_VERIFICATION", "f", "certificate verification"),
        ("KAFKA_PROPERTY_ENABLE_SSL_CERTIFICATE_VERIFICATION", "F", "certificate verification"),
        ("KAFKA_PROPERTY_ENABLE_SSL_CERTIFICATE_VERIFICATION", "FALSE", "certificate verification"),
        ("KAFKA_PROPERTY_ENABLE_SSL_CERTIFICATE_VERIFICATION", "0", "certificate verification"),
        ("KAFKA_PROPERTY_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "NONE", "host-name verification"),
        ("KAFKA_PROPERTY_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "none", "host-name verification"),
        ("KAFKA_PROPERTY_METADATA_BROKER_LIST", "evil:9092", "KAFKA_BROKERS"),
        ("KAFKA_PROPERTY_COMPRESSION_CODEC", "gzip", "KAFKA_COMPRESSION"),
    ])
    func guaranteesCannotBeConfiguredAway(variable: String, value: String, hint: String) throws {
        do {
            _ = try configuration([variable: value])
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.setting == variable)
            #expect(error.message.contains(hint), "\(error)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("props-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("kafka.properties")
        try "\(KafkaConnectionSettings.propertyName(fromVariable: variable)) = \(value)\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try configuration(["KAFKA_PROPERTIES_FILE": file.path])
            Issue.record("\(variable) in the properties file was accepted")
        } catch {
            #expect(error.setting == "KAFKA_PROPERTIES_FILE")
            #expect(error.message.contains(hint), "\(error)")
        }
    }

    /// After librdkafka applied everything, its effective properties are checked against what
    /// the bridge requires; the real ones pass, a weakened set is refused.
    @Test func effectivePropertiesAreCheckedAgainstTheGuarantees() throws {
        let bridge = try configuration(["KAFKA_PROPERTY_SOCKET_KEEPALIVE_ENABLE": "true"])
        let producer = try KafkaProducer(configuration: bridge.producerConfiguration, logger: Logger(label: "guarantees"))
        try BridgeApplication.checkGuarantees(effective: producer.effectiveProperties, configuration: bridge)
        for (property, weakened) in [
            ("enable.idempotence", "false"), ("request.required.acks", "1"), ("message.timeout.ms", "300000"), ("transactional.id", "x"),
            ("test.mock.num.brokers", "3"), ("delivery.report.only.error", "true"),
            ("enable.ssl.certificate.verification", "false"), ("ssl.endpoint.identification.algorithm", "none"),
        ] {
            var effective = producer.effectiveProperties
            effective[property] = weakened
            #expect(throws: BridgeConfigurationError.self, "\(property)=\(weakened)") {
                try BridgeApplication.checkGuarantees(effective: effective, configuration: bridge)
            }
        }
    }

    @Test(arguments: [
        (["KAFKA_SECURITY_PROTOCOL": "tls"], "KAFKA_SECURITY_PROTOCOL"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl"], "KAFKA_SASL_MECHANISM"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "GSSAPI"], "KAFKA_SASL_MECHANISM"),
        (["KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u"], "KAFKA_SASL_PASSWORD"),
        (["KAFKA_SSL_CA_LOCATION": "/nonexistent/ca.pem"], "KAFKA_SSL_CA_LOCATION"),
        (["KAFKA_SSL_CERTIFICATE_LOCATION": "/etc/hostname"], "KAFKA_SSL_KEY_LOCATION"),
        (["KAFKA_SASL_PASSWORD": "a", "KAFKA_SASL_PASSWORD_FILE": "/etc/hostname"], "KAFKA_SASL_PASSWORD_FILE"),
        (["KAFKA_SASL_PASSWORD_FILE": "/nonexistent"], "KAFKA_SASL_PASSWORD_FILE"),
        (["KAFKA_PROPERTIES_FILE": "/nonexistent"], "KAFKA_PROPERTIES_FILE"),
        (["KAFKA_COMPRESSION": "brotli"], "KAFKA_COMPRESSION"),
        (["MANAGEMENT_PORT": "8080"], "MANAGEMENT_PORT"),
        (["LOG_FORMAT": "xml"], "LOG_FORMAT"),
        (["MAX_IN_FLIGHT": "0"], "MAX_IN_FLIGHT"),
        (["MALOMO_WEBHOOK_SECRET_FILE": "/nonexistent"], "MALOMO_WEBHOOK_SECRET_FILE"),
    ])
    func badSecuritySettingsNameTheSetting(environment: [String: String], setting: String) {
        do {
            _ = try configuration(environment)
            Issue.record("expected \(setting) to be rejected")
        } catch {
            #expect(error.setting == setting, "\(error)")
        }
    }

    /// librdkafka ignores TLS settings under plaintext and SASL settings without `sasl_*`: a
    /// connection configured with a CA or a password would be neither encrypted nor
    /// authenticated, against a listener that accepts plaintext. Startup refuses, naming where
    /// the setting came from.
    @Test(arguments: [
        ([:], "KAFKA_SSL_CA_LOCATION", "TLS"),
        (["KAFKA_SECURITY_PROTOCOL": "plaintext"], "KAFKA_SSL_CA_LOCATION", "TLS"),
        (
            ["KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": "p"],
            "KAFKA_SSL_CA_LOCATION", "TLS"
        ),
        (["KAFKA_PROPERTY_SECURITY_PROTOCOL": "PLAINTEXT"], "KAFKA_SSL_CA_LOCATION", "TLS"),
    ])
    func aCertificateAuthorityWithoutTLSIsRefused(environment: [String: String], setting: String, kind: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, _) = try Self.makeCertificate(in: directory)
        var environment = environment
        environment["KAFKA_SSL_CA_LOCATION"] = certificate
        do {
            _ = try configuration(environment)
            Issue.record("a CA under \(environment) was accepted")
        } catch {
            #expect(error.setting == setting, "\(error)")
            #expect(error.message.contains("a \(kind) setting"), "\(error)")
        }
        // With TLS it is what it should be.
        environment["KAFKA_SECURITY_PROTOCOL"] = environment["KAFKA_SECURITY_PROTOCOL"] == "sasl_plaintext" ? "sasl_ssl" : "ssl"
        environment["KAFKA_PROPERTY_SECURITY_PROTOCOL"] = nil
        _ = try configuration(environment)
    }

    @Test(arguments: [
        (["KAFKA_SASL_USERNAME": "u"], "KAFKA_SASL_USERNAME"),
        (["KAFKA_SASL_PASSWORD": "p"], "KAFKA_SASL_PASSWORD"),
        (["KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SASL_MECHANISM": "PLAIN"], "KAFKA_SASL_MECHANISM"),
        (["KAFKA_PROPERTY_SASL_OAUTHBEARER_CONFIG": "principal=x"], "KAFKA_PROPERTY_SASL_OAUTHBEARER_CONFIG"),
        (["KAFKA_PROPERTY_SSL_KEYSTORE_LOCATION": "/etc/hostname"], "KAFKA_PROPERTY_SSL_KEYSTORE_LOCATION"),
    ])
    func securityMaterialTheProtocolIgnoresIsRefused(environment: [String: String], setting: String) {
        do {
            _ = try configuration(environment)
            Issue.record("\(environment) was accepted")
        } catch {
            #expect(error.setting == setting, "\(error)")
            #expect(error.message.contains("which does not use"), "\(error)")
        }
    }

    @Test func aPropertyLibrdkafkaRejectsIsNamedAtStartup() throws {
        let bridge = try configuration(["KAFKA_PROPERTY_NOT_A_REAL_PROPERTY": "1"])
        let result = Result { () throws(KafkaError) -> KafkaProducer in
            try KafkaProducer(configuration: bridge.producerConfiguration, logger: Logger(label: "bad"))
        }
        guard case .failure(let error) = result else {
            Issue.record("expected librdkafka to reject the property")
            return
        }
        #expect(error.reason.contains("not.a.real.property"))
    }

    @Test func managementHostDefaultsToHTTPHost() throws {
        let bridge = try configuration(["HTTP_HOST": "10.1.2.3", "MALOMO_WEBHOOK_SECRET_FILE": "/etc/hostname"])
        #expect(bridge.management.host == "10.1.2.3")
        #expect(bridge.management.port == 9090)
        #expect(bridge.webhook.defaultSecrets.count == 1)
        #expect(try configuration(["MANAGEMENT_HOST": "127.0.0.1"]).management.host == "127.0.0.1")
    }
}
