import Configuration
import Foundation
import KafkaWire
import MalomoBridge
import MalomoContract
import MalomoWebhookCore
import Testing

@Suite struct BridgeConfigurationTests {
    func read(_ environment: [String: String], dev: Bool = false) throws(BridgeConfigurationError) -> BridgeConfiguration {
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment))
        return try BridgeConfiguration(reader: reader, dev: dev)
    }

    @Test func defaults() throws {
        let configuration = try read(["KAFKA_BROKERS": "k1:9092, k2:9092", "MALOMO_WEBHOOK_SECRET": "s1"])
        #expect(configuration.http.host == "0.0.0.0")
        #expect(configuration.http.port == 8080)
        #expect(configuration.kafka.brokers == ["k1:9092", "k2:9092"])
        #expect(configuration.webhook.router.topicPrefix == "malomo.")
        #expect(configuration.webhook.router.deadLetterTopic == "malomo.dead-letter")
        #expect(configuration.webhook.router.allowedTopics == Set(MalomoTopic.known))
        #expect(configuration.webhook.router.cloudEvents)
        #expect(configuration.webhook.ackTimeout == .milliseconds(5000))
        #expect(configuration.messageTimeout == .milliseconds(4000))
        #expect(configuration.webhook.maxBodyBytes == 524_288)
        #expect(configuration.webhook.allowUnsigned == false)
        #expect(configuration.webhook.defaultSecrets == [WebhookSecret("s1")!])
        #expect(configuration.producerConfiguration.lingerMilliseconds == 1)
        // Every setting's documented default is the one applied.
        for setting in BridgeConfiguration.settings {
            guard let documented = setting.defaultValue else { continue }
            let summary = configuration.redactedSummary[setting.environmentVariable]
            #expect(summary == documented, "\(setting.environmentVariable)")
        }
    }

    @Test func allowListStarRoutesEveryTopicAndAListReplacesTheDefault() throws {
        let every = try read(["KAFKA_BROKERS": "k:1", "MALOMO_ALLOWED_TOPICS": "*"])
        #expect(every.webhook.router.allowedTopics == nil)
        #expect(every.redactedSummary["MALOMO_ALLOWED_TOPICS"] == "*")
        let some = try read(["KAFKA_BROKERS": "k:1", "MALOMO_ALLOWED_TOPICS": " shipments:created , orders:created "])
        #expect(some.webhook.router.allowedTopics == [MalomoTopic("shipments:created")!, .ordersCreated])
        #expect(some.redactedSummary["MALOMO_ALLOWED_TOPICS"] == "orders:created,shipments:created")
        let plain = try read(["KAFKA_BROKERS": "k:1", "KAFKA_CLOUDEVENTS": "false"])
        #expect(!plain.webhook.router.cloudEvents)
        #expect(plain.redactedSummary["KAFKA_CLOUDEVENTS"] == "false")
    }

    /// The documented ranges, at their boundaries: the ends are accepted, one past them refused.
    @Test(arguments: [
        ("ACK_TIMEOUT_MS", "100", true), ("ACK_TIMEOUT_MS", "9999", true), ("ACK_TIMEOUT_MS", "99", false), ("ACK_TIMEOUT_MS", "10000", false),
        ("MAX_BODY_BYTES", "1", true), ("MAX_BODY_BYTES", "67108864", true), ("MAX_BODY_BYTES", "0", false),
        ("MAX_BODY_BYTES", "67108865", false), ("KAFKA_LINGER_MS", "0", true), ("KAFKA_LINGER_MS", "1000", true),
        ("KAFKA_LINGER_MS", "1001", false), ("KAFKA_STATISTICS_INTERVAL_MS", "0", true), ("HTTP_MAX_CONNECTIONS", "0", false),
    ])
    func rangeBoundaries(setting: String, value: String, accepted: Bool) {
        do {
            _ = try read(["KAFKA_BROKERS": "k:1", setting: value])
            #expect(accepted, "\(setting)=\(value) was accepted")
        } catch {
            #expect(!accepted, "\(setting)=\(value) was refused: \(error)")
            #expect(error.setting == setting)
        }
    }

    /// A queue smaller than one record of MAX_BODY_BYTES would answer every such webhook 503
    /// (librdkafka refuses a message larger than its whole queue): refused at startup.
    @Test func queueTooSmallForOneRecordIsRefused() throws {
        do {
            _ = try read(["KAFKA_BROKERS": "k:1", "KAFKA_QUEUE_MAX_KBYTES": "256"])
            Issue.record("a 256 KiB queue was accepted beside a 512 KiB MAX_BODY_BYTES")
        } catch {
            #expect(error.setting == "KAFKA_QUEUE_MAX_KBYTES")
            #expect(error.message.contains("MAX_BODY_BYTES"), "\(error)")
        }
        let small = try read(["KAFKA_BROKERS": "k:1", "KAFKA_QUEUE_MAX_KBYTES": "256", "MAX_BODY_BYTES": "100000"])
        #expect(small.kafka.queueMaxKilobytes * 1024 >= small.largestRecordBytes)
        let exact = try read(["KAFKA_BROKERS": "k:1"]).largestRecordBytes
        #expect(throws: BridgeConfigurationError.self) {
            _ = try read(["KAFKA_BROKERS": "k:1", "KAFKA_QUEUE_MAX_KBYTES": String((exact - 1) / 1024)])
        }
        _ = try read(["KAFKA_BROKERS": "k:1", "KAFKA_QUEUE_MAX_KBYTES": String((exact + 1023) / 1024)])
    }

    /// KAFKA_STATISTICS_INTERVAL_MS=0 turns librdkafka's statistics off.
    @Test func statisticsIntervalZeroIsOff() throws {
        #expect(try read(["KAFKA_BROKERS": "k:1", "KAFKA_STATISTICS_INTERVAL_MS": "0"]).producerConfiguration.statisticsInterval == nil)
        #expect(try read(["KAFKA_BROKERS": "k:1"]).producerConfiguration.statisticsInterval == .milliseconds(15000))
    }

    /// --dev in an environment that names real brokers (the chart's, a leftover flag) would
    /// acknowledge webhooks into memory: refused, naming KAFKA_BROKERS.
    @Test func devModeRefusesRealBrokers() {
        do {
            _ = try read(["KAFKA_BROKERS": "kafka-0.kafka:9092"], dev: true)
            Issue.record("--dev with KAFKA_BROKERS was accepted")
        } catch {
            #expect(error.setting == "KAFKA_BROKERS")
            #expect(error.message.contains("--dev"), "\(error)")
        }
    }

    @Test func devModeNeedsNoBrokersAndBindsLoopback() throws {
        let configuration = try read([:], dev: true)
        #expect(configuration.http.host == "127.0.0.1")
        #expect(configuration.kafka.brokers.isEmpty)
    }

    @Test(arguments: [
        ([:], "KAFKA_BROKERS"),
        (["KAFKA_BROKERS": " , "], "KAFKA_BROKERS"),
        (["KAFKA_BROKERS": "kafka"], "KAFKA_BROKERS"),
        (["KAFKA_BROKERS": "k:1", "HTTP_PORT": "http"], "HTTP_PORT"),
        (["KAFKA_BROKERS": "k:1", "HTTP_PORT": "70000"], "HTTP_PORT"),
        (["KAFKA_BROKERS": "k:1", "ACK_TIMEOUT_MS": "10000"], "ACK_TIMEOUT_MS"),
        (["KAFKA_BROKERS": "k:1", "ACK_TIMEOUT_MS": "0"], "ACK_TIMEOUT_MS"),
        (["KAFKA_BROKERS": "k:1", "ACK_TIMEOUT_MS": "5s"], "ACK_TIMEOUT_MS"),
        (["KAFKA_BROKERS": "k:1", "MAX_BODY_BYTES": "-1"], "MAX_BODY_BYTES"),
        (["KAFKA_BROKERS": "k:1", "MAX_BODY_BYTES": "1MB"], "MAX_BODY_BYTES"),
        (["KAFKA_BROKERS": "k:1", "MALOMO_ALLOW_UNSIGNED": "maybe"], "MALOMO_ALLOW_UNSIGNED"),
        (["KAFKA_BROKERS": "k:1", "KAFKA_TOPIC_PREFIX": "malomo/"], "KAFKA_TOPIC_PREFIX"),
        (["KAFKA_BROKERS": "k:1", "KAFKA_DEAD_LETTER_TOPIC": "dead letter"], "KAFKA_DEAD_LETTER_TOPIC"),
        (["KAFKA_BROKERS": "k:1", "MALOMO_ALLOWED_TOPICS": "orders:created,Orders"], "MALOMO_ALLOWED_TOPICS"),
        (["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRET": " , "], "MALOMO_WEBHOOK_SECRET"),
        (["KAFKA_BROKERS": "k:1", "MALOMO_ALLOWED_TOPICS": "*,orders:created"], "MALOMO_ALLOWED_TOPICS"),
        (["KAFKA_BROKERS": "k:1", "MALOMO_ALLOWED_TOPICS": ","], "MALOMO_ALLOWED_TOPICS"),
        (["KAFKA_BROKERS": "k:1", "KAFKA_CLOUDEVENTS": "sometimes"], "KAFKA_CLOUDEVENTS"),
        (["KAFKA_BROKERS": "k:1", "LOG_LEVEL": "loud"], "LOG_LEVEL"),
        (["KAFKA_BROKERS": "k:1", "KAFKA_LINGER_MS": "-5"], "KAFKA_LINGER_MS"),
    ])
    func badValuesNameTheSetting(environment: [String: String], setting: String) {
        do {
            _ = try read(environment)
            Issue.record("expected \(setting) to be rejected")
        } catch {
            #expect(error.setting == setting)
            #expect("\(error)".contains(setting))
        }
    }

    /// A secret is never split on commas: `a,b` would otherwise be two shorter secrets that
    /// both verify. Several default secrets go one per line in the file.
    @Test func defaultSecretIsOneValueAndAListIsLinesInItsFile() throws {
        do {
            _ = try read(["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRET": "new-secret,old-secret"])
            Issue.record("a comma-separated MALOMO_WEBHOOK_SECRET was accepted")
        } catch {
            #expect(error.setting == "MALOMO_WEBHOOK_SECRET")
            #expect(error.message.contains("MALOMO_WEBHOOK_SECRET_FILE"))
            #expect(!error.description.contains("old-secret"))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secret-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secret")
        try "new,with-comma\n# previous one:\nold-secret\n".write(to: file, atomically: true, encoding: .utf8)
        let configuration = try read(["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRET_FILE": file.path])
        #expect(configuration.webhook.defaultSecrets == [WebhookSecret("new,with-comma")!, WebhookSecret("old-secret")!])
    }

    /// `Malomo-Webhook-Id` is not signed, so unsigned mode next to any secret would let a forger
    /// pick an id without one: refused at startup, naming the setting.
    @Test func unsignedModeIsRefusedWhileAnySecretIsConfigured() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unsigned-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "s\n".write(to: directory.appendingPathComponent("wh_1"), atomically: true, encoding: .utf8)
        for environment in [
            ["KAFKA_BROKERS": "k:1", "MALOMO_ALLOW_UNSIGNED": "true", "MALOMO_WEBHOOK_SECRET": "s"],
            ["KAFKA_BROKERS": "k:1", "MALOMO_ALLOW_UNSIGNED": "true", "MALOMO_WEBHOOK_SECRETS_DIR": directory.path],
        ] {
            let configuration = try read(environment)
            do {
                _ = try BridgeApplication.loadSecrets(configuration: configuration)
                Issue.record("unsigned mode accepted beside secrets: \(environment.keys.sorted())")
            } catch {
                #expect(error.setting == "MALOMO_ALLOW_UNSIGNED")
            }
        }
    }

    /// Flags set their values, lists included (swift-configuration splits command-line values
    /// on commas; a list flag used to fall back silently to the default).
    @Test func flagsSetTheirValuesListsIncluded() throws {
        let reader = ConfigReader(providers: [
            CommandLineArgumentsProvider(arguments: [
                "malomo-bridge", "--malomo-allowed-topics", "orders:created,shipments:created", "--kafka-brokers", "a:1,b:2",
                "--http-port", "9001", "--ack-timeout-ms", "3000",
            ]),
            EnvironmentVariablesProvider(environmentVariables: ["KAFKA_BROKERS": "env:9092", "MALOMO_WEBHOOK_SECRET": "s"]),
        ])
        let configuration = try BridgeConfiguration(reader: reader)
        #expect(configuration.webhook.router.allowedTopics == [.ordersCreated, MalomoTopic("shipments:created")!])
        #expect(configuration.kafka.brokers == ["a:1", "b:2"], "the flag wins over the environment")
        #expect(configuration.http.port == 9001)
        #expect(configuration.webhook.ackTimeout == .milliseconds(3000))
        // The environment's lists, with spaces after the commas, read the same.
        let environment = try read(["KAFKA_BROKERS": "k1:9092, k2:9092", "MALOMO_ALLOWED_TOPICS": "orders:created, orders:updated"])
        #expect(environment.kafka.brokers == ["k1:9092", "k2:9092"])
        #expect(environment.webhook.router.allowedTopics == [.ordersCreated, .ordersUpdated])
    }

    @Test func secretsAreNotAcceptedAsFlags() {
        for flag in ["--malomo-webhook-secret", "--malomo-webhook-secret=abc", "--kafka-sasl-password", "--kafka-ssl-key-password"] {
            do {
                try BridgeCommandLine.validate([flag, "abc"])
                Issue.record("\(flag) was accepted")
            } catch {
                #expect(error.message.contains("not accepted as flags"), "\(flag): \(error)")
            }
        }
        #expect(throws: Never.self) { try BridgeCommandLine.validate(["--malomo-webhook-secret-file", "/run/secret"]) }
        #expect(!BridgeCommandLine.usage.contains("--malomo-webhook-secret "))
    }

    @Test func noSecretRefusesToStartUnlessUnsignedIsAllowed() throws {
        let strict = try read(["KAFKA_BROKERS": "k:1"])
        #expect(throws: BridgeConfigurationError.self) { try BridgeApplication.loadSecrets(configuration: strict) }
        let lenient = try read(["KAFKA_BROKERS": "k:1", "MALOMO_ALLOW_UNSIGNED": "true"])
        #expect(throws: Never.self) { try BridgeApplication.loadSecrets(configuration: lenient) }
    }

    @Test func secretsNeverAppearInTheSummaryOrErrors() throws {
        let configuration = try read(["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRET": "super-secret-value"])
        #expect(!configuration.redactedSummary.values.contains { $0.contains("super-secret-value") })
        #expect(!"\(configuration.webhook.defaultSecrets)".contains("super-secret-value"))
        // Errors about secret settings name the setting, never the value.
        for environment in [
            ["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRET": "super-secret-value,x"],
            ["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRET": "super-secret-value", "MALOMO_WEBHOOK_SECRET_FILE": "/etc/hostname"],
            ["KAFKA_BROKERS": "k:1", "KAFKA_SASL_PASSWORD": "super-secret-value", "KAFKA_SECURITY_PROTOCOL": "sasl_ssl"],
        ] {
            do {
                _ = try read(environment)
                Issue.record("accepted \(environment.keys.sorted())")
            } catch {
                #expect(!error.description.contains("super-secret-value"), "\(error)")
                #expect(!error.setting.isEmpty)
            }
        }
    }

    @Test func secretsDirectoryOneFilePerWebhookID() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "new-secret\nold-secret\n# a comment\n\n".write(to: directory.appendingPathComponent("wh_1"), atomically: true, encoding: .utf8)
        try "only\n".write(to: directory.appendingPathComponent("wh_2"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent(".hidden"), atomically: true, encoding: .utf8)
        let configuration = try read(["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRETS_DIR": directory.path])
        let store = try BridgeApplication.loadSecrets(configuration: configuration)
        #expect(store.secrets(forWebhookID: "wh_1") == [WebhookSecret("new-secret")!, WebhookSecret("old-secret")!])
        #expect(store.secrets(forWebhookID: "wh_2") == [WebhookSecret("only")!])
        #expect(store.secrets(forWebhookID: "wh_3") == [])
        #expect(store.secrets(forWebhookID: ".hidden") == [])

        try "\n# nothing\n".write(to: directory.appendingPathComponent("wh_empty"), atomically: true, encoding: .utf8)
        #expect(throws: BridgeConfigurationError(setting: "MALOMO_WEBHOOK_SECRETS_DIR", message: "secret file 'wh_empty' holds no secret")) {
            try BridgeApplication.loadSecrets(configuration: configuration)
        }
        let missing = try read(["KAFKA_BROKERS": "k:1", "MALOMO_WEBHOOK_SECRETS_DIR": "/nonexistent/dir"])
        #expect(throws: BridgeConfigurationError.self) { try BridgeApplication.loadSecrets(configuration: missing) }
    }

    @Test func unknownFlagsAreRejected() {
        #expect(throws: Never.self) { try BridgeCommandLine.validate(["--dev", "--http-port", "9000", "--ack-timeout-ms=3000"]) }
        #expect(throws: BridgeConfigurationError.self) { try BridgeCommandLine.validate(["--kafka-broker", "x"]) }
    }

    /// Every declared variable is the one swift-configuration's environment provider reads for
    /// the setting's key (a key whose derived name the provider spells otherwise would be
    /// silently ignored).
    @Test func everyDeclaredVariableReachesItsKey() {
        for setting in BridgeConfiguration.settings {
            let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [setting.environmentVariable: "x"]))
            let value =
                setting.kind == .list
                ? reader.stringArray(forKey: ConfigKey(setting.key))?.joined(separator: ",")
                : reader.string(forKey: ConfigKey(setting.key), isSecret: setting.isSecret)
            #expect(value == "x", "\(setting.environmentVariable) does not reach \(setting.key)")
        }
    }

    /// message.timeout.ms is ACK_TIMEOUT_MS less min(1 s, half of it), halved in whole ms.
    @Test(arguments: [(101, 51), (1999, 1000), (2000, 1000), (5000, 4000), (100, 50)])
    func messageTimeoutIsDerivedInWholeMilliseconds(ack: Int, expected: Int) throws {
        let configuration = try read(["KAFKA_BROKERS": "k:1", "ACK_TIMEOUT_MS": String(ack)])
        #expect(configuration.messageTimeout == .milliseconds(expected))
    }

    /// The summary shows what is in use, also what dev mode sets after reading (its brokers
    /// and secret), and a secret given as a file is shown as set, never as text.
    @Test func theSummaryShowsWhatIsInUse() throws {
        var configuration = try read([:], dev: true)
        #expect(configuration.redactedSummary["MALOMO_WEBHOOK_SECRET"] == "(unset)")
        configuration.kafka.brokers = ["127.0.0.1:1", "127.0.0.1:2"]
        configuration.webhook.defaultSecrets = [WebhookSecret("dev-secret")!]
        #expect(configuration.redactedSummary["KAFKA_BROKERS"] == "127.0.0.1:1,127.0.0.1:2")
        #expect(configuration.redactedSummary["MALOMO_WEBHOOK_SECRET"] == "[redacted: 1]")
        let tidied = try read(["KAFKA_BROKERS": "a:1,,b:2,"])
        #expect(tidied.redactedSummary["KAFKA_BROKERS"] == "a:1,b:2")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sasl-\(UUID().uuidString)")
        try "file-secret-value".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let sasl = try read([
            "KAFKA_BROKERS": "k:1", "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "PLAIN",
            "KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD_FILE": file.path,
        ])
        #expect(sasl.redactedSummary["KAFKA_SASL_PASSWORD"] == "[redacted]")
        #expect(!sasl.redactedSummary.values.contains { $0.contains("file-secret-value") })
    }
}
