import Foundation
import KafkaWire
import Logging
import MalomoTestSupport
import MalomoWebhookCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// README promises about the process, checked on the real binary: what SIGTERM does and how
/// long the stop takes, what it writes to standard error, how many connections it serves.
@Suite struct ProcessPromiseTests {
    static let quiet: Logger = {
        var logger = Logger(label: "process-test")
        logger.logLevel = .critical
        return logger
    }()

    static func json(_ line: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
    static func eventually(within timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    static func metric(_ name: String, _ bridge: BridgeProcess) async -> Double? {
        guard case .success(let response) = await RawHTTPClient.get(port: bridge.managementPort, path: "/metrics") else { return nil }
        return MetricsText.samples(String(decoding: response.body, as: UTF8.self))[name]
    }

    static func signedPost(_ body: [UInt8], secret: String = BridgeHarness.secret, webhookID: String = "wh_process") -> [UInt8] {
        RawHTTPClient.postBytes(
            path: BridgeHarness.webhookPath,
            headers: [
                ("Malomo-Topic", "orders:created"), ("Malomo-Webhook-Id", webhookID),
                ("Malomo-Signature", WebhookSignatureVerifier.sign(body: body, secret: WebhookSecret(secret)!)),
            ],
            body: body
        )
    }

    /// SIGTERM with two requests in flight (one waiting on a dead broker, one whose body never
    /// finishes): `/readyz` answers 503 `draining` at once, new connections are refused, both
    /// requests get their answers (503 `unavailable`, 408), and the process exits 0 within
    /// `HTTP_READ_TIMEOUT_MS` + 2 × `ACK_TIMEOUT_MS`, the bound the README gives.
    @Test func sigtermTurnsReadinessAt503AtOnceAndTheStopIsBounded() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: Self.quiet)
        try cluster.createTopic("malomo.orders.created", partitions: 1)
        // Long enough that both requests are surely still in flight at SIGTERM on a loaded machine.
        let readTimeout = Duration.milliseconds(5000)
        let ackTimeout = Duration.milliseconds(6000)
        let bridge = try await BridgeProcess(environment: [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": BridgeHarness.secret,
            "ACK_TIMEOUT_MS": "6000", "HTTP_READ_TIMEOUT_MS": "5000", "LOG_LEVEL": "info",
        ])
        let ready = await Self.eventually(within: .seconds(15)) {
            if case .success(let response) = await RawHTTPClient.get(port: bridge.managementPort, path: "/readyz") {
                return response.status == 200
            }
            return false
        }
        #expect(ready, "never ready")
        let warm = await RawHTTPClient.exchange(port: bridge.webhookPort, raw: Self.signedPost(Array(#"{"id":"warm"}"#.utf8)))
        #expect((try? warm.get().status) == 202, "\(warm)")

        try cluster.setAllBrokers(up: false)
        async let waiting = RawHTTPClient.exchange(port: bridge.webhookPort, raw: Self.signedPost(Array(#"{"id":"waiting"}"#.utf8)))
        // A body announced as 100 bytes, of which 10 arrive.
        let slowHead =
            "POST \(BridgeHarness.webhookPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\nMalomo-Topic: orders:created\r\n\r\n0123456789"
        let slow = try RawHTTPClient.connectedSocket(port: bridge.webhookPort).get()
        defer { close(slow) }
        _ = Array(slowHead.utf8).withUnsafeBytes { send(slow, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let bothInFlight = await Self.eventually(within: .seconds(10)) {
            let requests = await Self.metric("malomo_bridge_requests_in_flight", bridge)
            let produces = await Self.metric("malomo_bridge_produce_in_flight", bridge)
            return requests == 2 && (produces ?? 0) >= 1
        }
        #expect(bothInFlight, "the two requests never were in flight together")

        let signalled = ContinuousClock.now
        bridge.signal(SIGTERM)
        var drainingBody: String?
        let notReady = await Self.eventually(within: .seconds(1)) {
            guard case .success(let response) = await RawHTTPClient.get(port: bridge.managementPort, path: "/readyz") else { return false }
            drainingBody = String(decoding: response.body, as: UTF8.self)
            return response.status == 503
        }
        let readinessTurned = ContinuousClock.now - signalled
        #expect(notReady, "/readyz still ready \(readinessTurned) after SIGTERM")
        // Both were still being handled when the drain began (the drain is what is tested).
        #expect(await Self.metric("malomo_bridge_requests_in_flight", bridge) == 2, "the requests ended before the drain")
        #expect(drainingBody?.contains(#""draining":true"#) == true, "\(drainingBody ?? "-")")
        let refused = await Self.eventually(within: .seconds(1)) {
            if case .failure(.connectRefused) = RawHTTPClient.connectedSocket(port: bridge.webhookPort, timeout: 1) { return true }
            return false
        }
        #expect(refused, "the webhook listener still accepts connections while draining")

        let waited = await waiting
        guard case .success(let waitedResponse) = waited else {
            Issue.record("the request waiting on Kafka got no answer: \(waited)")
            return
        }
        #expect(waitedResponse.status == 503, "\(waitedResponse.status)")
        #expect(String(decoding: waitedResponse.body, as: UTF8.self).contains(#""error":"unavailable""#))
        let slowAnswer = RawHTTPClient.parse(RawHTTPClient.readUntilClosed(slow))
        #expect((try? slowAnswer.get().status) == 408, "the unfinished body: \(slowAnswer)")

        let status = try await bridge.waitForExit(timeout: .seconds(30))
        let stopped = ContinuousClock.now - signalled
        #expect(status == 0)
        let bound = readTimeout + ackTimeout * 2
        #expect(stopped < bound + .seconds(1), "stopped \(stopped) after SIGTERM; the README's bound is \(bound)")
        let messages = bridge.logs.compactMap { Self.json($0)?["message"] as? String }
        let draining = messages.firstIndex { $0.hasPrefix("Draining") }
        let stop = messages.firstIndex { $0.hasPrefix("Stopped") }
        #expect(draining != nil && stop != nil && draining! < stop!, "lifecycle lines: \(messages)")
        try cluster.setAllBrokers(up: true)
    }

    /// Standard error as the README describes it, on real output: one JSON object per line
    /// (librdkafka's lines too, with `rdkafka.facility`), the lifecycle lines, one line per
    /// webhook with its fields, and never a secret or a body.
    @Test func standardErrorCarriesTheDocumentedLinesAndNoSecretOrBody() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: Self.quiet)
        try cluster.createTopic("malomo.orders.created", partitions: 1)
        let secret = "log-secret-\(UUID().uuidString)"
        let marker = "BODY-MARKER-\(UUID().uuidString)"
        let bridge = try await BridgeProcess(environment: [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": secret, "LOG_LEVEL": "debug",
        ])
        let body = Array(#"{"id":"\#(marker)"}"#.utf8)
        let signature = WebhookSignatureVerifier.sign(body: body, secret: WebhookSecret(secret)!)
        let accepted = try await RawHTTPClient.exchange(port: bridge.webhookPort, raw: Self.signedPost(body, secret: secret)).get()
        #expect(accepted.status == 202)
        let eventID = try #require(Self.json(String(decoding: accepted.body, as: UTF8.self))?["event_id"] as? String)
        let rejected = try await RawHTTPClient.exchange(port: bridge.webhookPort, raw: Self.signedPost(body, secret: "not-the-secret")).get()
        #expect(rejected.status == 401)
        // The broker goes away: librdkafka logs the lost connection.
        try cluster.setAllBrokers(up: false)
        let sawLibrdkafka = await Self.eventually(within: .seconds(15)) { bridge.logs.contains { $0.contains("rdkafka.facility") } }
        #expect(sawLibrdkafka, "no librdkafka line")
        try cluster.setAllBrokers(up: true)
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)

        let lines = bridge.logs
        let objects = lines.compactMap(Self.json)
        #expect(objects.count == lines.count, "lines that are not one JSON object: \(lines.filter { Self.json($0) == nil })")
        for (line, object) in zip(lines, objects) {
            #expect(line.hasPrefix(#"{"time":"#), "\(line)")
            #expect(["time", "level", "logger", "message"].allSatisfy { object[$0] is String }, "\(line)")
        }
        func first(_ message: String) -> [String: Any]? { objects.first { ($0["message"] as? String)?.hasPrefix(message) == true } }
        func text(_ value: Any?) -> String? { value.map { "\($0)" } }

        // Lifecycle.
        let start = try #require(first("Starting malomo-bridge"), "no start line")
        #expect((start["version"] as? String)?.isEmpty == false)
        #expect((start["librdkafka"] as? String)?.hasPrefix("2.") == true, "\(start["librdkafka"] ?? "-")")
        let config = try #require(start["config"] as? [String: Any], "start line without the configuration")
        #expect(config["MALOMO_WEBHOOK_SECRET"] as? String == "[redacted: 1]", "\(config["MALOMO_WEBHOOK_SECRET"] ?? "-")")
        #expect(config["ACK_TIMEOUT_MS"] as? String == "5000")
        let producer = try #require(first("Kafka producer configured"), "no producer line")
        let properties = try #require(producer["kafka.properties"] as? [String: Any])
        // librdkafka's canonical name for bootstrap.servers.
        #expect(properties["metadata.broker.list"] as? String == cluster.bootstrapServers, "\(properties)")
        #expect(properties["enable.idempotence"] as? String == "true")
        for message in ["Webhook listener started", "Management listener started", "Draining", "Stopped"] {
            #expect(first(message) != nil, "no '\(message)' line")
        }

        // One line per webhook, with the documented fields.
        let rejectedLine = try #require(first("Webhook signature_mismatch"), "no line for the rejected webhook")
        #expect(rejectedLine["request_id"] as? String == rejected.headers["x-request-id"])
        #expect(rejectedLine["malomo_webhook_id"] as? String == "wh_process")
        #expect(rejectedLine["malomo_topic"] as? String == "orders:created")
        #expect(rejectedLine["outcome"] as? String == "signature_mismatch")
        #expect(text(rejectedLine["status"]) == "401")
        #expect(text(rejectedLine["latency_ms"]).flatMap(Double.init).map { $0 >= 0 } == true, "\(rejectedLine)")
        #expect((rejectedLine["detail"] as? String)?.isEmpty == false)
        #expect(rejectedLine["level"] as? String == "notice")
        let acceptedLine = try #require(first("Webhook accepted"), "no debug line for the accepted webhook")
        #expect(acceptedLine["level"] as? String == "debug")
        #expect(acceptedLine["request_id"] as? String == accepted.headers["x-request-id"])
        #expect(acceptedLine["malomo_event_id"] as? String == eventID)
        #expect(acceptedLine["kafka_topic"] as? String == "malomo.orders.created")
        #expect(rejectedLine["request_id"] as? String != acceptedLine["request_id"] as? String)

        // librdkafka's own lines, in the same format.
        let librdkafka = objects.filter { $0["rdkafka.facility"] != nil }
        let brokerHost = try #require(cluster.bootstrapServers.split(separator: ",").first.map(String.init))
        #expect(librdkafka.contains { ($0["message"] as? String)?.contains(brokerHost) == true }, "\(librdkafka)")

        // Never the secret, the body or its signature.
        for forbidden in [secret, marker, signature] {
            #expect(!lines.contains { $0.contains(forbidden) }, "a log line holds '\(forbidden.prefix(16))…'")
        }
    }

    /// `HTTP_MAX_CONNECTIONS`: past it, a new connection waits in the listen backlog (its
    /// request unanswered) until one of the open connections closes, then it is served.
    @Test func connectionsPastTheLimitWaitUntilOneCloses() async throws {
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: Self.quiet)
        try cluster.createTopic("malomo.orders.created", partitions: 1)
        let bridge = try await BridgeProcess(environment: [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": BridgeHarness.secret,
            "HTTP_MAX_CONNECTIONS": "2", "HTTP_IDLE_TIMEOUT_MS": "60000",
        ])
        // A keep-alive webhook request (the 202 leaves the connection open).
        func keepAlive(_ id: String) -> [UInt8] {
            let body = Array(#"{"id":"\#(id)"}"#.utf8)
            var head = "POST \(BridgeHarness.webhookPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
            head += "Malomo-Topic: orders:created\r\nMalomo-Webhook-Id: wh\r\n"
            head += "Malomo-Signature: \(WebhookSignatureVerifier.sign(body: body, secret: WebhookSecret(BridgeHarness.secret)!))\r\n\r\n"
            return Array(head.utf8) + body
        }
        /// Sends `raw` on `fd` and reads one response head (up to its blank line), or nil by the socket's timeout.
        func answer(_ fd: Int32, _ raw: [UInt8]?) -> String? {
            if let raw { _ = raw.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !received.starts(with: Array("HTTP/1.1".utf8)) || !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return nil }
                received.append(contentsOf: buffer[..<count])
            }
            return String(decoding: received, as: UTF8.self)
        }
        func timeout(_ fd: Int32, seconds: Int) {
            var tv = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        let first = try RawHTTPClient.connectedSocket(port: bridge.webhookPort).get()
        let second = try RawHTTPClient.connectedSocket(port: bridge.webhookPort).get()
        defer { close(second) }
        #expect(answer(first, keepAlive("c1"))?.hasPrefix("HTTP/1.1 202") == true)
        #expect(answer(second, keepAlive("c2"))?.hasPrefix("HTTP/1.1 202") == true)
        // The third: connected by the kernel's backlog, not served while two are open.
        let third = try RawHTTPClient.connectedSocket(port: bridge.webhookPort).get()
        defer { close(third) }
        timeout(third, seconds: 2)
        #expect(answer(third, keepAlive("c3")) == nil, "a third connection was served past HTTP_MAX_CONNECTIONS=2")
        close(first)
        timeout(third, seconds: 10)
        #expect(answer(third, nil)?.hasPrefix("HTTP/1.1 202") == true, "the waiting connection was not served after one closed")
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)
    }
}
