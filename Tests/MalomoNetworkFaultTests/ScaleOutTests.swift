import Foundation
import MalomoFixtures
import MalomoTestSupport
import Synchronization
import Testing

/// Three release bridges behind nginx (docker/nginx.conf, unchanged) against one mock cluster
/// in its own process, under a bounded load that retries non-2xx answers as Malomo does: one
/// replica is killed (SIGKILL) mid-burst, another is stopped (SIGTERM, it drains), a
/// replacement starts. Run by scripts/check-network-faults, in a private network namespace,
/// so the example's fixed ports are the suite's own.
@Suite(.serialized) struct ScaleOutTests {
    static let webhookPorts = [8081, 8082, 8083]
    static let nginxPort = 8080

    func startReplica(_ index: Int, cluster: MockKafkaProcess) async throws -> BridgeProcess {
        try await BridgeProcess(
            environment: [
                "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": WebhookLoad.secret,
                "HTTP_PORT": "\(Self.webhookPorts[index])", "MANAGEMENT_PORT": "\(9091 + index)", "LOG_LEVEL": "info",
            ],
            binary: try MockKafkaProcess.releaseBinary("malomo-bridge")
        )
    }

    /// The chart's shutdown budget: preStop, then SIGTERM, within the grace period.
    static func chartValue(_ key: String) throws -> Int {
        let values = try String(
            contentsOf: Fixture.repository.appendingPathComponent("helm/malomo-kafka-bridge/values.yaml"),
            encoding: .utf8
        )
        let line = try #require(values.split(separator: "\n").first { $0.hasPrefix("\(key):") }, "\(key) in values.yaml")
        return try #require(Int(line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)))
    }

    @Test func replicasLostBehindNginxLoseNoAcknowledgedEvent() async throws {
        try NetworkNamespace.requirePrivate()
        try NetworkNamespace.heal()
        // 12 partitions: the burst's records stay far below the mock broker's 5 MiB per partition.
        let cluster = try MockKafkaProcess(brokerCount: 3, partitions: 12)
        var replicas = [BridgeProcess]()
        for index in 0..<3 { replicas.append(try await self.startReplica(index, cluster: cluster)) }
        defer { for replica in replicas { replica.signal(SIGKILL) } }

        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("malomo-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: prefix) }
        let configuration = Fixture.repository.appendingPathComponent("docker/nginx.conf")
        let nginx = Process()
        nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        nginx.arguments = ["-p", prefix.path, "-c", configuration.path, "-g", "daemon off;"]
        nginx.standardOutput = FileHandle.nullDevice
        try nginx.run()
        defer {
            nginx.terminate()
            nginx.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        var nginxAnswered = false
        while !nginxAnswered && ContinuousClock.now < deadline {
            if case .success = await RawHTTPClient.get(port: Self.nginxPort, path: "/") { nginxAnswered = true }
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(nginxAnswered, "nginx did not answer on \(Self.nginxPort) within 10 s")

        let load = WebhookLoad()
        let started = ContinuousClock.now
        // A burst: 24 clients, each sending as soon as it has its answer, so every replica has
        // requests in flight when it is killed or stopped; bounded to 40,000 requests. A request
        // not answered 202 is retried twice, as Malomo would (sooner).
        defer { load.stop() }  // whatever fails below, the clients stop
        let loadTask = Task { await load.run(port: Self.nginxPort, clients: 24, interval: .zero, limit: 40_000, prefix: "so", retries: 2) }
        try await Task.sleep(for: .seconds(3))
        let killed = ContinuousClock.now
        replicas[0].signal(SIGKILL)
        _ = try await replicas[0].waitForExit()
        try await Task.sleep(for: .seconds(3))
        let terminated = ContinuousClock.now
        replicas[1].signal(SIGTERM)
        let drainStatus = try await replicas[1].waitForExit(timeout: .seconds(60))
        let drained = ContinuousClock.now - terminated
        try await Task.sleep(for: .seconds(1))
        replicas[0] = try await self.startReplica(0, cluster: cluster)
        let replaced = ContinuousClock.now
        try await Task.sleep(for: .seconds(5))
        load.stop()
        await loadTask.value
        let stopped = ContinuousClock.now

        #expect(drainStatus == 0, "the SIGTERMed replica's exit status")
        let grace = try Self.chartValue("terminationGracePeriodSeconds")
        let preStop = try Self.chartValue("preStopSleepSeconds")
        #expect(drained + .seconds(preStop) < .seconds(grace), "drain \(drained) + preStop \(preStop) s within the chart's \(grace) s grace")

        let samples = load.samples.withLock { $0 }
        let records = try cluster.records(of: "malomo.orders.created")
        var positions: [String: Set<NetworkFaultTests.Position>] = [:]
        for record in records { positions[record.key, default: []].insert(.init(partition: record.partition, offset: record.offset)) }
        var acknowledged: [String: Set<NetworkFaultTests.Position>] = [:]
        for sample in samples {
            switch sample.outcome {
            case .answered(202, let partition?, let offset?):
                let position = NetworkFaultTests.Position(partition: partition, offset: offset)
                acknowledged[sample.key, default: []].insert(position)
                #expect(
                    positions[sample.key]?.contains(position) == true,
                    "\(sample.key): 202 at \(position), in Kafka at \(positions[sample.key] ?? [])"
                )
            case .answered(let status, _, _):
                // 502: nginx lost the replica mid-request (it may have published: Malomo retries
                // and consumers drop the duplicate); 503: a replica could not get an acknowledgement.
                #expect(status == 502 || status == 503, "\(sample.key) attempt \(sample.attempt) got \(status)")
            case .refused, .noAnswer:
                Issue.record("\(sample.key) attempt \(sample.attempt): nginx did not answer: \(sample.outcome)")
            }
        }
        // nginx never resends a POST that reached a replica: an event is in Kafka at most once
        // per attempt its client made (a second record needs a client retry after a 502/503).
        var attempts: [String: Int] = [:]
        for sample in samples { attempts[sample.key, default: 0] += 1 }
        let overWritten = positions.filter { $0.value.count > attempts[$0.key] ?? 0 }
        #expect(overWritten.isEmpty, "events written more often than their clients sent them: \(overWritten.prefix(5))")
        // Never acknowledged although all three attempts were made (a key cut off by the end of
        // the load, with attempts left, is not counted).
        let unfinished = Set(samples.map(\.key)).subtracting(acknowledged.keys).filter { attempts[$0] == 3 }
        let cutOff = Set(samples.map(\.key)).subtracting(acknowledged.keys).count - unfinished.count
        let duplicates = positions.filter { $0.value.count > 1 }.count

        func line(_ name: String, _ window: Range<ContinuousClock.Instant>) -> String {
            let within = samples.filter { window.contains($0.started) }
            var statuses: [String: Int] = [:]
            for sample in within { statuses[sample.status.map(String.init) ?? "none", default: 0] += 1 }
            let durations = within.map { WebhookLoad.seconds($0.duration) * 1000 }.sorted()
            let p99 = durations.isEmpty ? 0 : durations[min(durations.count - 1, Int(Double(durations.count) * 0.99))]
            let rate = load.acceptedRate(in: window)
            return
                "\(name) | \(Int(rate)) 202/s | p99 \(String(format: "%.1f", p99)) ms | max \(String(format: "%.0f", durations.last ?? 0)) ms | \(statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))"
        }
        print(
            "scale-out through nginx: 3 replicas; SIGKILL one, SIGTERM another (drained in \(Int(WebhookLoad.seconds(drained) * 1000)) ms, exit \(drainStatus)), replacement started"
        )
        print(line("before (3 replicas)", started..<killed))
        print(line("SIGKILL until SIGTERM", killed..<terminated))
        print(line("SIGTERM until replacement up", terminated..<replaced))
        print(line("after (2 replicas + replacement)", replaced..<stopped))
        print(
            "scale-out: \(samples.count) requests for \(Set(samples.map(\.key)).count) events, \(acknowledged.count) acknowledged, "
                + "\(unfinished.count) never acknowledged within 3 attempts (\(cutOff) cut off by the end of the load), "
                + "\(duplicates) written twice (a 502 then its retry)"
        )
        #expect(unfinished.isEmpty, "events never acknowledged in 3 attempts: \(unfinished.sorted().prefix(5))")
        // nginx's own account of its upstream errors, per replica port.
        let errorLog = (try? String(contentsOf: prefix.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
        var upstreamErrors: [String: Int] = [:]
        for line in errorLog.split(separator: "\n") {
            guard line.contains("[error]"), let port = line.firstRange(of: "upstream: \"http://127.0.0.1:").map({ line[$0.upperBound...].prefix(4) })
            else { continue }
            let kind =
                if line.contains("connect() failed") {
                    "refused (retried elsewhere)"
                } else if line.contains("recv() failed") || line.contains("prematurely closed") {
                    "lost mid-request (502)"
                } else {
                    "other: \(line.split(separator: " ").dropFirst(5).prefix(6).joined(separator: " "))"
                }
            // (Its warnings, "upstream server temporarily disabled", say when a replica was taken out.)
            upstreamErrors["\(port) \(kind)", default: 0] += 1
        }
        print(
            "scale-out: nginx upstream errors: \(upstreamErrors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))"
        )
        for replica in replicas where replica.process.isRunning {
            replica.signal(SIGTERM)
            #expect(try await replica.waitForExit() == 0)
        }
    }
}
