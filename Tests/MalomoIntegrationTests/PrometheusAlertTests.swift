import Foundation
import KafkaWire
import Logging
import MalomoFixtures
import MalomoTestSupport
import MalomoWebhookCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shipped alert rules in a real Prometheus (Debian's `prometheus`, which `scripts/test`
/// installs) scraping a running bridge: the Kafka alert fires when the brokers go down and
/// resolves when they come back; the retry-budget alert fires on webhooks at attempt 9.
/// Durations (`for:`) are shortened to 2 s, the way the chart's `prometheusRule.for` would.
@Suite struct PrometheusAlertTests {
    static func executable(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// One alert from `/api/v1/alerts`.
    struct Alert: Decodable {
        let labels: [String: String]
        let annotations: [String: String]
        let state: String
    }

    struct AlertsResponse: Decodable {
        struct Data: Decodable { let alerts: [Alert] }
        let status: String
        let data: Data
    }

    static func alerts(port: Int) async -> [Alert] {
        guard case .success(let response) = await RawHTTPClient.get(port: port, path: "/api/v1/alerts"),
            let decoded = try? JSONDecoder().decode(AlertsResponse.self, from: Data(response.body)), decoded.status == "success"
        else { return [] }
        return decoded.data.alerts
    }

    static func firing(_ name: String, port: Int) async -> Alert? {
        await Self.alerts(port: port).first { $0.labels["alertname"] == name && $0.state == "firing" }
    }

    /// The value of an instant query that returns one sample, if it does.
    static func value(_ query: String, port: Int) async -> Double? {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        guard case .success(let response) = await RawHTTPClient.get(port: port, path: "/api/v1/query?query=\(encoded)"),
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]], result.count == 1,
            let sample = result[0]["value"] as? [Any], sample.count == 2, let text = sample[1] as? String
        else { return nil }
        return Double(text)
    }

    /// An instant query's status and number of series.
    static func query(_ query: String, port: Int) async -> (status: String, series: Int)? {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        guard case .success(let response) = await RawHTTPClient.get(port: port, path: "/api/v1/query?query=\(encoded)"),
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let status = object["status"] as? String
        else { return nil }
        let result = (object["data"] as? [String: Any])?["result"] as? [Any]
        return (status, result?.count ?? 0)
    }

    @Test(.timeLimit(.minutes(10))) func shippedAlertsFireAndResolveInARealPrometheus() async throws {
        let prometheusPath = try #require(Self.executable("prometheus"), "prometheus is not installed (scripts/test installs it)")
        var logger = Logger(label: "alerts-test")
        logger.logLevel = .critical
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        try cluster.createTopic("malomo.orders.created", partitions: 1)
        let bridge = try await BridgeProcess(environment: [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": BridgeHarness.secret, "LOG_LEVEL": "info",
            "KAFKA_STATISTICS_INTERVAL_MS": "1000",
        ])

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let shipped = try String(
            contentsOf: Fixture.repository.appendingPathComponent("helm/malomo-kafka-bridge/files/prometheus-rules.yaml"),
            encoding: .utf8
        )
        let rules = shipped.replacingOccurrences(of: #"for: [0-9]+m"#, with: "for: 2s", options: .regularExpression)
        #expect(rules != shipped)
        try rules.write(to: directory.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: [rules.yaml]
        scrape_configs:
          - job_name: malomo-bridge
            static_configs:
              - targets: ["127.0.0.1:\(bridge.managementPort)"]
        """.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try Executables.freePort()
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: prometheusPath)
        prometheus.currentDirectoryURL = directory
        prometheus.arguments = [
            "--config.file=\(directory.path)/prometheus.yml", "--storage.tsdb.path=\(directory.path)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        // To a file: a pipe nobody reads would fill and block Prometheus.
        let logPath = directory.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: logPath.path, contents: nil)
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = try FileHandle(forWritingTo: logPath)
        try prometheus.run()
        defer {
            prometheus.terminate()
            prometheus.waitUntilExit()
        }
        func explain() -> String {
            String(decoding: (try? Data(contentsOf: logPath)) ?? Data(), as: UTF8.self).suffix(2000).description
        }

        // Scraping, every rule loaded, nothing firing.
        let scraping = await ProcessPromiseTests.eventually(within: .seconds(60)) {
            await Self.value("malomo_bridge_ready", port: port) == 1
        }
        try #require(scraping, "Prometheus never scraped a ready bridge: \(explain())")
        let loaded = await ProcessPromiseTests.eventually(within: .seconds(10)) {
            await Self.value("count(ALERTS) or vector(0)", port: port) != nil
        }
        #expect(loaded)
        // (MalomoBridgeAbsent may fire in the second before the first scrape; it must clear.)
        let quiet = await ProcessPromiseTests.eventually(within: .seconds(20)) {
            await Self.alerts(port: port).allSatisfy { $0.state != "firing" }
        }
        let early = await Self.alerts(port: port).map { $0.labels["alertname"] ?? "?" }
        #expect(quiet, "firing before any fault: \(early)")

        // The brokers go away: not ready, then the alert fires (2 s of `for:`).
        try cluster.setAllBrokers(up: false)
        let notReady = await ProcessPromiseTests.eventually(within: .seconds(60)) {
            await Self.firing("MalomoBridgeNotReady", port: port) != nil
        }
        #expect(notReady, "MalomoBridgeNotReady never fired with the brokers down")
        let alert = await Self.firing("MalomoBridgeNotReady", port: port)
        #expect(alert?.labels["severity"] == "critical")
        #expect(alert?.labels["instance"] == "127.0.0.1:\(bridge.managementPort)")
        #expect(alert?.annotations["summary"]?.contains("127.0.0.1:\(bridge.managementPort) is not ready") == true)

        // Back: resolved.
        try cluster.setAllBrokers(up: true)
        let resolved = await ProcessPromiseTests.eventually(within: .seconds(60)) {
            await Self.alerts(port: port).allSatisfy { $0.labels["alertname"] != "MalomoBridgeNotReady" }
        }
        #expect(resolved, "MalomoBridgeNotReady did not resolve with the brokers back")

        // Webhooks on Malomo's ninth attempt: the retry-budget alert fires.
        for index in 0..<3 {
            let body = Array(#"{"id":"late-\#(index)"}"#.utf8)
            var headers = BridgeHarness.rawHeaders(body: body)
            headers.removeAll { $0.0 == "Malomo-Attempt-Number" }
            headers.append(("Malomo-Attempt-Number", "9"))
            let answer = await RawHTTPClient.post(port: bridge.webhookPort, path: BridgeHarness.webhookPath, headers: headers, body: body)
            #expect((try? answer.get().status) == 202, "\(answer)")
        }
        let budget = await ProcessPromiseTests.eventually(within: .seconds(60)) {
            await Self.firing("MalomoBridgeRetryBudgetLow", port: port) != nil
        }
        #expect(budget, "MalomoBridgeRetryBudgetLow never fired on attempt 9")
        #expect(await Self.firing("MalomoBridgeNotReady", port: port) == nil)

        // Every metric the rules name is one the bridge exposes, scraped here.
        for name in ["malomo_bridge_max_in_flight", "malomo_bridge_ack_timeout_seconds", "malomo_bridge_start_time_seconds"] {
            #expect(await Self.value(name, port: port) != nil, "\(name) not scraped")
        }

        // The dashboard: every query runs in this Prometheus and finds series from this bridge
        // (Grafana's $__rate_interval and $job filled in as Grafana would).
        let dashboardData = try Data(contentsOf: Fixture.repository.appendingPathComponent("helm/malomo-kafka-bridge/files/grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: dashboardData) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var queries: [String] = []
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] { queries.append(try #require(target["expr"] as? String)) }
        }
        #expect(queries.count >= 16)
        for query in queries {
            let filled = query.replacingOccurrences(of: "$__rate_interval", with: "1m").replacingOccurrences(of: "$job", with: "malomo-bridge")
            let answered = await ProcessPromiseTests.eventually(within: .seconds(20)) {
                guard let result = await Self.query(filled, port: port) else { return false }
                return result.status == "success" && result.series > 0
            }
            let last = await Self.query(filled, port: port)
            #expect(answered, "dashboard query without a result: \(filled) → \(String(describing: last))")
        }
        // The bridge stops: nothing is scraped any more, and MalomoBridgeAbsent fires.
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)
        let absent = await ProcessPromiseTests.eventually(within: .seconds(60)) {
            await Self.firing("MalomoBridgeAbsent", port: port) != nil
        }
        #expect(absent, "MalomoBridgeAbsent never fired with the bridge stopped")
    }
}
