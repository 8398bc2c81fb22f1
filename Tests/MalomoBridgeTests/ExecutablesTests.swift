import Foundation
import KafkaWire
import Logging
import MalomoWebhookCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The two executables as a user runs them.
@Suite struct ExecutablesTests {
    static func binary(_ name: String) throws -> String {
        let bridge = try BridgeProcess.binaryPath
        return URL(fileURLWithPath: bridge).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// `malomo-bridge --dev` (the README's first command) prints a curl that gets a 202.
    @Test func devModeBannerCurlIsAccepted() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BridgeProcess.binaryPath)
        process.arguments = ["--dev", "--http-port", "0", "--management-port", "0"]
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
        let signature = try capture(#"Malomo-Signature: ([0-9A-F]{64})"#)
        let file = try capture(#"--data-binary @(\S+)"#)
        let body = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let result = await RawHTTPClient.post(
            port: port,
            path: "/webhooks/malomo",
            headers: [
                ("Content-Type", "application/json"), ("Malomo-Topic", "orders:created"), ("Malomo-Webhook-Id", "dev-webhook"),
                ("Malomo-Attempt-Number", "1"), ("Malomo-Signature", signature),
            ],
            body: body
        )
        let response = try result.get()
        #expect(response.status == 202)
        #expect(String(decoding: response.body, as: UTF8.self).contains(#""topic":"malomo.orders.created""#))
        #expect(text.contains("kcat -C -b "))
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
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
                    KafkaHeader(key: "malomo-topic", string: "orders:created"), KafkaHeader(key: "malomo-event-id", string: WebhookEventID.of(body)),
                ]
            )
        )
        await producer.shutdown()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary("malomo-events-tail"))
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
        #expect(object["event_id"] as? String == WebhookEventID.of(body))
    }
}
