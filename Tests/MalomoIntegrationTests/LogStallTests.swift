import Foundation
import KafkaWire
import Logging
import MalomoTestSupport
import Testing

/// The real binary with a log reader that stops reading, as a stalled log collector does.
@Suite struct LogStallTests {
    /// Each rejected webhook logs a line of about 300 bytes; with the stderr pipe unread, the
    /// pipe (64 KiB) and the smallest `LOG_BUFFER_BYTES` (64 KiB) fill within about 450 of them. Written from
    /// the event loop, the next line would block it and every later request would go
    /// unanswered; through the log writer, the requests are answered and the lines dropped,
    /// counted in `/metrics` while the reader is still stalled, and reported in a warning once
    /// it reads again.
    @Test(.timeLimit(.minutes(3))) func aStalledLogReaderCostsLinesNotAnswers() async throws {
        var logger = Logger(label: "log-stall")
        logger.logLevel = .error
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        try cluster.createTopic("malomo.orders.created", partitions: 1)
        let bridge = try await BridgeProcess(environment: [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": BridgeHarness.secret,
            "LOG_LEVEL": "info", "LOG_BUFFER_BYTES": "65536",
        ])
        bridge.pauseReadingLogs()
        let body = Array(#"{"id":"log-stall"}"#.utf8)
        var headers = BridgeHarness.rawHeaders(body: body).filter { $0.0 != "Malomo-Signature" }
        headers.append(("Malomo-Signature", String(repeating: "0", count: 64)))  // well-formed, wrong
        var statuses: [String: Int] = [:]
        for _ in 0..<1_000 {
            let key: String
            switch await RawHTTPClient.exchange(
                port: bridge.webhookPort,
                raw: RawHTTPClient.postBytes(path: "/webhooks/malomo", headers: headers, body: body),
                timeout: 5
            ) {
            case .success(let response): key = String(response.status)
            case .failure(let failure): key = "\(failure)"
            }
            statuses[key, default: 0] += 1
            if key != "401" { break }  // a blocked loop answers nothing more: fail fast
        }
        #expect(statuses == ["401": 1_000], "answers while the log reader was stalled: \(statuses)")

        let droppedWhileStalled = try await Self.droppedLines(bridge)
        #expect(droppedWhileStalled > 0, "the stalled reader cost no lines: was the pipe read after all?")

        bridge.resumeReadingLogs()
        let deadline = ContinuousClock.now + .seconds(20)
        var reported = 0
        var counted = droppedWhileStalled
        while ContinuousClock.now < deadline {
            reported = Self.reportedDrops(bridge.logs)
            counted = try await Self.droppedLines(bridge)
            if reported > 0 && reported == counted { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(reported == counted, "warnings report \(reported) dropped lines, the metric \(counted)")
        for line in bridge.logs {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "a torn log line: \(line.prefix(200))")
        }
        // Still serving, with the reader back.
        #expect(try await BridgeHarness.postSigned(port: bridge.webhookPort, id: "after-stall").status == 202)
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)
    }

    /// Standard error's reader gone: every accepted webhook logs a line (`debug`) that cannot be
    /// written. The lines are counted; the process does not die of SIGPIPE and keeps answering.
    @Test(.timeLimit(.minutes(2))) func aClosedLogPipeCostsLinesNotTheProcess() async throws {
        var logger = Logger(label: "log-closed")
        logger.logLevel = .error
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        try cluster.createTopic("malomo.orders.created", partitions: 1)
        let bridge = try await BridgeProcess(environment: [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": BridgeHarness.secret, "LOG_LEVEL": "debug",
        ])
        bridge.closeLogs()
        for index in 0..<20 {
            #expect(try await BridgeHarness.postSigned(port: bridge.webhookPort, id: "closed-\(index)").status == 202)
        }
        #expect(bridge.process.isRunning)
        var dropped = 0
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            dropped = try await Self.droppedLines(bridge)
            if dropped >= 20 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(dropped >= 20, "20 accepted webhooks logged lines nobody could read; \(dropped) counted")
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)
    }

    /// `malomo_bridge_log_lines_dropped_total` from `/metrics`.
    static func droppedLines(_ bridge: BridgeProcess) async throws -> Int {
        let response = try await RawHTTPClient.get(port: bridge.managementPort, path: "/metrics").get()
        let text = String(decoding: response.body, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("malomo_bridge_log_lines_dropped_total ") })
        return Int(try #require(Double(line.split(separator: " ")[1])))
    }

    /// The sum of the `dropped` fields of the bridge's "Log lines dropped" warnings.
    static func reportedDrops(_ lines: [String]) -> Int {
        lines.reduce(0) { sum, line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                (object["message"] as? String)?.hasPrefix("Log lines dropped") == true,
                let dropped = (object["dropped"] as? String).flatMap({ Int($0) })
            else { return sum }
            return sum + dropped
        }
    }
}
