import Foundation
import HTTPTypes
import HummingbirdTesting
import KafkaWire
import Logging
import MalomoContract
import MalomoFixtures
import MalomoTestSupport
import MalomoWebhookCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The two executables as a user runs them.
@Suite struct ExecutablesTests {
    /// A configuration that would weaken a guarantee or open the ingress stops the real binary
    /// with exit 2 and a message naming the setting (before any Kafka connection).
    @Test(
        arguments: [
            (["KAFKA_PROPERTY_ACKS": "1"], [String](), "KAFKA_PROPERTY_ACKS"),
            (["KAFKA_PROPERTY_ENABLE_IDEMPOTENCE": "false"], [], "KAFKA_PROPERTY_ENABLE_IDEMPOTENCE"),
            (["KAFKA_PROPERTY_TEST_MOCK_NUM_BROKERS": "1"], [], "KAFKA_PROPERTY_TEST_MOCK_NUM_BROKERS"),
            (["MALOMO_ALLOW_UNSIGNED": "true"], [], "MALOMO_ALLOW_UNSIGNED"),
            (["MALOMO_WEBHOOK_SECRET": "a,b"], [], "MALOMO_WEBHOOK_SECRET"),
            ([:], ["--malomo-webhook-secret", "s"], "--malomo-webhook-secret"),
            ([:], ["--http-prot", "1"], "--http-prot"),
            (["ACK_TIMEOUT_MS": "10000"], [], "ACK_TIMEOUT_MS"),
            // Beside MALOMO_WEBHOOK_SECRET: one or the other, not both.
            (["MALOMO_WEBHOOK_SECRET_FILE": "/etc/hostname"], [], "MALOMO_WEBHOOK_SECRET_FILE"),
            // Files that are not regular files: a FIFO (a read could block for ever) and devices
            // (a read of /dev/zero never ends). `@fifo` is a FIFO the test creates.
            (["KAFKA_PROPERTIES_FILE": "@fifo"], [], "KAFKA_PROPERTIES_FILE"),
            (["KAFKA_PROPERTIES_FILE": "/dev/zero"], [], "KAFKA_PROPERTIES_FILE"),
            (["KAFKA_SASL_PASSWORD_FILE": "@fifo"], [], "KAFKA_SASL_PASSWORD_FILE"),
            (["MALOMO_WEBHOOK_SECRETS_DIR": "/dev"], [], "MALOMO_WEBHOOK_SECRETS_DIR"),
            // A body limit whose records librdkafka would refuse (message.max.bytes held low).
            (["MAX_BODY_BYTES": "2000000", "KAFKA_PROPERTY_MESSAGE_MAX_BYTES": "1000000"], [], "MAX_BODY_BYTES"),
        ] as [([String: String], [String], String)]
    )
    func configurationErrorsExit2NamingTheSetting(environment: [String: String], arguments: [String], setting: String) async throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        var env = ["KAFKA_BROKERS": "127.0.0.1:1", "MALOMO_WEBHOOK_SECRET": "s3cr3t", "PATH": "/usr/bin:/bin"]
        for (key, value) in environment { env[key] = value == "@fifo" ? fifo : value }
        let (status, output) = try await Self.runUntilExit(arguments: arguments, environment: env, label: setting)
        #expect(status == 2, "\(setting): exit \(status), \(output)")
        #expect(output.contains(setting), "\(output)")
        #expect(!output.contains("s3cr3t"))
    }

    /// Runs the bridge binary until it exits (20 s at most: a bridge stuck reading its
    /// configuration fails the test, not hangs it) and returns its exit status and stderr.
    static func runUntilExit(arguments: [String], environment: [String: String], label: String) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BridgeProcess.binaryPath)
        process.arguments = arguments
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("\(label): still running after 20 s")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// An error found once the log format is known (the secrets, librdkafka's effective
    /// properties) is a log line in that format: with JSON logs every line is a JSON object,
    /// and one is `critical`, naming the setting, with the exit code.
    @Test(
        arguments: [
            (["MALOMO_WEBHOOK_SECRETS_DIR": "/dev", "MALOMO_WEBHOOK_SECRET": ""], "MALOMO_WEBHOOK_SECRETS_DIR"),
            (["MAX_BODY_BYTES": "2000000", "KAFKA_PROPERTY_MESSAGE_MAX_BYTES": "1000000"], "MAX_BODY_BYTES"),
        ] as [([String: String], String)]
    )
    func startupErrorsAfterTheLogFormatIsKnownAreLogLinesInIt(environment: [String: String], setting: String) async throws {
        var env = ["KAFKA_BROKERS": "127.0.0.1:1", "MALOMO_WEBHOOK_SECRET": "s3cr3t", "LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"]
        for (key, value) in environment { env[key] = value.isEmpty ? nil : value }
        let (status, output) = try await Self.runUntilExit(arguments: [], environment: env, label: setting)
        #expect(status == 2, "\(setting): exit \(status), \(output)")
        let lines = output.split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && objects.count == lines.count, "not every line is a JSON object: \(output)")
        // librdkafka's own lines from the producer's teardown may come before or after it.
        let critical = objects.filter { $0["level"] as? String == "critical" }
        #expect(critical.count == 1, "\(output)")
        #expect((critical.first?["error"] as? String)?.contains(setting) == true, "\(output)")
        #expect(critical.first?["exit_code"] as? String == "2", "\(output)")
        #expect(!output.contains("s3cr3t"))
    }

    /// `malomo-mock-kafka` (the benchmark's broker process) prints its bootstrap servers, holds
    /// the Malomo topics, takes a produce, and refuses a bad flag with exit 2.
    @Test(.timeLimit(.minutes(1))) func mockKafkaProcessServesTheMalomoTopics() async throws {
        let bad = Process()
        bad.executableURL = URL(fileURLWithPath: try Executables.binary("malomo-mock-kafka"))
        bad.arguments = ["--brokers", "0"]
        bad.standardError = FileHandle.nullDevice
        try bad.run()
        bad.waitUntilExit()
        #expect(bad.terminationStatus == 2)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Executables.binary("malomo-mock-kafka"))
        process.arguments = ["--brokers", "1", "--partitions", "2"]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL) }
        let output = OutputCollector()
        stdout.fileHandleForReading.readabilityHandler = { output.append($0.availableData) }
        let deadline = ContinuousClock.now + .seconds(20)
        while output.lines.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let line = try #require(output.lines.first, "no bootstrap line")
        #expect(line.hasPrefix("bootstrap.servers=127.0.0.1:"))
        let bootstrap = String(line.dropFirst("bootstrap.servers=".count))
        var logger = Logger(label: "mock-kafka-test")
        logger.logLevel = .critical
        var configuration = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        configuration.additionalProperties["allow.auto.create.topics"] = "false"
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let report = try await producer.send(KafkaProducerRecord(topic: "malomo.orders.created", key: Array("k".utf8), value: [1]))
        #expect(report.offset == 0 && (0..<2).contains(report.partition))
        await producer.shutdown()
    }

    /// `malomo-bridge --dev` (the README's first command) prints a curl that gets a 202.
    @Test func devModeBannerCurlIsAccepted() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BridgeProcess.binaryPath)
        // Real ports chosen here, so a flag that were ignored (the default 8080) would show.
        let httpPort = try Executables.freePort()
        let managementPort = try Executables.freePort()
        process.arguments = ["--dev", "--http-port", "\(httpPort)", "--management-port", "\(managementPort)"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let banner = LockedBox("")
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { banner.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while !banner.value.contains("Stop with Ctrl-C") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = banner.value
        func capture(_ pattern: String) throws -> String {
            let regex = try NSRegularExpression(pattern: pattern)
            let match = try #require(regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), "\(pattern) in:\n\(text)")
            return String(text[Range(match.range(at: 1), in: text)!])
        }
        let port = try #require(Int(try capture(#"curl -i -X POST http://127\.0\.0\.1:(\d+)/webhooks/malomo"#)))
        #expect(port == httpPort, "--http-port \(httpPort) was not applied: the banner says \(port)")
        #expect(text.contains("http://127.0.0.1:\(managementPort)/metrics"), "--management-port \(managementPort) was not applied")
        #expect(try capture(#"Malomo-Signature: ([0-9A-F]{64})"#).count == 64)
        // The curl, run as printed: the sample by path on a host, inline (a here-document) in a
        // container, as on machines where this suite itself runs in one.
        let curl = try capture(#"(?ms)^(  curl -i .*?(?:--data-binary @[^\s-]\S*$|^MALOMO_SAMPLE_ORDER$))"#)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", curl]
        let output = Pipe()
        shell.standardOutput = output
        shell.standardError = FileHandle.nullDevice
        try shell.run()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0, "curl as printed:\n\(curl)")
        #expect(answer.hasPrefix("HTTP/1.1 202"), "\(answer)")
        #expect(answer.contains(#""topic":"malomo.orders.created""#))
        #expect(text.contains("kcat -C -b "))
        // The management port's metrics saw it, and count the dev secret.
        let metrics = String(decoding: try await RawHTTPClient.get(port: managementPort, path: "/metrics").get().body, as: UTF8.self)
        let values = MetricsText.samples(metrics)
        #expect(values["malomo_bridge_webhook_secrets"] == 1, "the dev secret")
        #expect(values[#"malomo_bridge_webhooks_received_total{topic="orders:created",outcome="accepted"}"#] == 1)
        #expect(values["malomo_bridge_produce_in_flight"] == 0)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// The tail's usage errors are exit 2 with the reason; `--help` is exit 0.
    @Test(
        arguments: [
            (["--max", "0"], 2, "--max needs a positive number"),
            (["--topics", "Orders"], 2, "malformed topic 'Orders'"),
            (["--nope"], 2, "Unknown option '--nope'"),
            (["--brokers"], 2, "Missing value for '--brokers"),
            (["--help"], 0, "USAGE: malomo-events-tail"),
        ] as [([String], Int32, String)]
    )
    func eventsTailUsage(arguments: [String], status: Int32, message: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Executables.binary("malomo-events-tail"))
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: output.fileHandleForReading.readDataToEndOfFile()) }
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == status, "\(arguments)")
        #expect(String(decoding: data, as: UTF8.self).contains(message), "\(String(decoding: data, as: UTF8.self))")
    }

    /// `malomo-events-tail --json --max 1` prints the decoded event and exits 0.
    @Test func eventsTailPrintsTheDecodedEvent() async throws {
        var logger = Logger(label: "tail-test")
        logger.logLevel = .error
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        for name in [
            "orders.created", "orders.updated", "orders.deleted", "customers.created", "customers.updated", "customers.deleted", "events.created",
        ] {
            try cluster.createTopic("malomo." + name, partitions: 1)
        }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
            logger: logger
        )
        let body = try Fixture.bytes("order.json")
        _ = try await producer.send(
            KafkaProducerRecord(
                topic: "malomo.orders.created",
                key: nil,
                value: body,
                headers: [
                    KafkaHeader(key: "malomo-topic", string: "orders:created"),
                    KafkaHeader(key: MalomoRecordHeader.eventID, string: MalomoEventID.of(topic: "orders:created", body: body)),
                ]
            )
        )
        await producer.shutdown()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Executables.binary("malomo-events-tail"))
        process.arguments = ["--brokers", cluster.bootstrapServers, "--json", "--max", "1"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: stdout.fileHandleForReading.readDataToEndOfFile()) }
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let line = try #require(String(decoding: output, as: UTF8.self).split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["topic"] as? String == "orders:created")
        #expect(object["order_number"] as? String == "4821")
        #expect((object["shipments"] as? [[String: Any]])?.count == 2)
        #expect(object["event_id"] as? String == MalomoEventID.of(topic: "orders:created", body: body))
    }

    /// The tail only looks: an undecodable record is skipped without a dead letter, and a
    /// record's fields reach the terminal without their control characters (an order number
    /// holding an escape sequence and a line break prints as one plain line).
    @Test func eventsTailWritesNothingAndPrintsNoControlCharacters() async throws {
        var logger = Logger(label: "tail-test")
        logger.logLevel = .error
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        for name in [
            "orders.created", "orders.updated", "orders.deleted", "customers.created", "customers.updated", "customers.deleted", "events.created",
            "consumer-dead-letter",
        ] {
            try cluster.createTopic("malomo." + name, partitions: 1)
        }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
            logger: logger
        )
        let hostile = Array(#"{"id":"order-1","number":"48\u001b[2J\u001b]0;pwned\u0007\n21\u202e"}"#.utf8)
        for value in [Array("{ not json".utf8), hostile] {
            _ = try await producer.send(
                KafkaProducerRecord(
                    topic: "malomo.orders.created",
                    key: nil,
                    value: value,
                    headers: [KafkaHeader(key: "malomo-topic", string: "orders:created")]
                )
            )
        }
        await producer.shutdown()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Executables.binary("malomo-events-tail"))
        process.arguments = ["--brokers", cluster.bootstrapServers, "--max", "1"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: stdout.fileHandleForReading.readDataToEndOfFile()) }
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1, "one line: \(text.debugDescription)")
        #expect(text.contains("order #48?[2J?]0;pwned??21? id=order-1"), "\(text.debugDescription)")
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        let probe = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "probe", topics: []),
            logger: logger
        )
        let marks = try await probe.watermarks(topic: "malomo.consumer-dead-letter")
        #expect(!marks.isEmpty && marks.allSatisfy { $0.high == 0 }, "the tail wrote a dead letter: \(marks)")
        await probe.close()
    }

    /// Event id v2 end to end: one body posted under three topics is three events, and the
    /// tail (duplicate filter on, as by default) prints all three; Malomo's retry of one of
    /// them keeps its id and is dropped. A fourth event, posted last with the same key under the
    /// retried topic (so it is read after the retry), is what the tail's fourth line must be.
    @Test func oneBodyUnderThreeTopicsIsThreeEventsAndARetryIsDropped() async throws {
        let harness = try BridgeHarness()
        let body = try Fixture.bytes("customer.json")
        // The same customer id (the record key, so the same partition), another body: another event.
        let marker = Array(#"{"marker":1,"#.utf8) + body.drop { $0 != UInt8(ascii: "{") }.dropFirst()
        let posts: [(topic: String, attempt: String, body: [UInt8])] = [
            ("customers:created", "1", body), ("customers:updated", "1", body), ("customers:updated", "2", body),
            ("customers:deleted", "1", body), ("customers:updated", "1", marker),
        ]
        let acknowledged: [(topic: String, eventID: String, partition: Int)] = try await harness.application().test(.router) { client in
            var acknowledged: [(topic: String, eventID: String, partition: Int)] = []
            for post in posts {
                let accepted = try await client.postWebhook(
                    post.body,
                    headers: BridgeHarness.headers(body: post.body, topic: post.topic, attempt: post.attempt)
                ) {
                    #expect($0.status == .accepted)
                    return try AcceptedBody($0.body)
                }
                acknowledged.append((post.topic, accepted.event_id, accepted.partition))
            }
            return acknowledged
        }
        await harness.producer.shutdown()
        #expect(Set(acknowledged.map(\.eventID)).count == 4, "four events, the retry keeps its id")
        #expect(acknowledged[1].eventID == acknowledged[2].eventID)
        #expect(acknowledged[4].partition == acknowledged[2].partition, "the marker shares the retry's partition")
        for (item, post) in zip(acknowledged, posts) { #expect(item.eventID == MalomoEventID.of(topic: item.topic, body: post.body)) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Executables.binary("malomo-events-tail"))
        // Four lines, then the tail exits by itself. Had the retry got through, it would be
        // among them (it precedes the marker in their partition) and the marker would not.
        process.arguments = [
            "--brokers", harness.cluster.bootstrapServers, "--json", "--max", "4", "--topics",
            "customers:created,customers:updated,customers:deleted",
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let output = OutputCollector()
        stdout.fileHandleForReading.readabilityHandler = { output.append($0.availableData) }
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            Issue.record("the tail did not print four events within 60 s: \(output.lines)")
        }
        process.waitUntilExit()
        stdout.fileHandleForReading.readabilityHandler = nil
        output.append(stdout.fileHandleForReading.readDataToEndOfFile())
        let lines = output.lines
        #expect(lines.count == 4, "\(lines)")
        let printed = try lines.map { line in try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) }
        #expect(Set(printed.compactMap { $0["topic"] as? String }) == ["customers:created", "customers:updated", "customers:deleted"])
        #expect(printed.compactMap { $0["event_id"] as? String }.sorted() == Array(Set(acknowledged.map(\.eventID))).sorted())
    }
}

/// Collects a child's output from the pipe's handler thread.
final class OutputCollector: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) { self.lock.withLock { self.data.append(chunk) } }

    /// Everything so far, as UTF-8 text.
    var text: String { self.lock.withLock { String(decoding: self.data, as: UTF8.self) } }

    /// Complete lines so far.
    var lines: [String] {
        self.lock.withLock {
            let text = String(decoding: self.data, as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
            return lines
        }
    }
}
