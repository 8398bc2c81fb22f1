import Foundation
import MalomoTestSupport
import Synchronization
import Testing

/// Real network faults between the release bridge and its brokers, mid-load: iptables rules
/// in a private network namespace blackhole a broker's port (a connect hangs, packets on open
/// connections vanish), reset its connections, or drop one direction only; each fault is held
/// longer than ACK_TIMEOUT_MS, then healed. The brokers (librdkafka's mock cluster) run in a
/// process of their own. Run by scripts/check-network-faults, which makes the namespace.
@Suite(.serialized) struct NetworkFaultTests {
    static let ackTimeout = Duration.milliseconds(2000)
    static let hold = Duration.seconds(4)
    static let recoveryLimit = Duration.seconds(30)
    /// How late after ACK_TIMEOUT_MS a client may see the answer: the bridge ends the wait at
    /// ACK_TIMEOUT_MS itself; the rest is scheduling and loopback on a loaded machine.
    static let answerMargin = Duration.milliseconds(500)
    static let topic = "malomo.orders.created"

    struct Fault {
        let name: String
        let rules: [[String]]
        /// Whether no broker at all answers: readiness must turn 503.
        var isTotal = false
    }

    struct Phase {
        let fault: Fault
        let applied: ContinuousClock.Instant
        let healed: ContinuousClock.Instant
        let end: ContinuousClock.Instant
        let firstAccepted: Duration?
        let backToRate: Duration?
        let sawUnready: Bool
        let readyAgain: Duration?
    }

    static func blackhole(_ port: Int) -> [[String]] {
        [["INPUT", "-p", "tcp", "--dport", "\(port)", "-j", "DROP"], ["INPUT", "-p", "tcp", "--sport", "\(port)", "-j", "DROP"]]
    }

    static func reset(_ port: Int) -> [[String]] {
        [["INPUT", "-p", "tcp", "--dport", "\(port)", "-j", "REJECT", "--reject-with", "tcp-reset"]]
    }

    @Test func faultsBetweenBridgeAndBrokersLoseNothingAndHangNothing() async throws {
        try NetworkNamespace.requirePrivate()
        try NetworkNamespace.heal()
        // Two partitions on three brokers: one broker leads nothing, so "one broker" and "the
        // partition leader's broker" are different faults.
        let cluster = try MockKafkaProcess(brokerCount: 3, partitions: 2)
        let leaders = try cluster.leaders(of: Self.topic)
        let leader = try #require(leaders[0], "partition 0's leader in \(leaders)")
        let follower = try #require(cluster.brokers.keys.sorted().first { !leaders.values.contains($0) }, "a broker leading nothing")
        let leaderPort = try cluster.port(ofBroker: leader)
        let followerPort = try cluster.port(ofBroker: follower)
        let allPorts = try cluster.brokers.keys.sorted().map { try cluster.port(ofBroker: $0) }
        let faults: [Fault] = [
            Fault(name: "blackhole: one broker (leads nothing)", rules: Self.blackhole(followerPort)),
            Fault(name: "blackhole: partition 0's leader", rules: Self.blackhole(leaderPort)),
            Fault(name: "blackhole: all brokers", rules: allPorts.flatMap(Self.blackhole), isTotal: true),
            Fault(name: "TCP reset: partition 0's leader", rules: Self.reset(leaderPort)),
            Fault(name: "TCP reset: all brokers", rules: allPorts.flatMap(Self.reset), isTotal: true),
            Fault(name: "one-way: bridge -> leader dropped", rules: [["OUTPUT", "-p", "tcp", "--dport", "\(leaderPort)", "-j", "DROP"]]),
            Fault(name: "one-way: leader -> bridge dropped", rules: [["OUTPUT", "-p", "tcp", "--sport", "\(leaderPort)", "-j", "DROP"]]),
        ]

        let bridge = try await BridgeProcess(
            environment: [
                "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": WebhookLoad.secret,
                "ACK_TIMEOUT_MS": "\(Self.ackTimeout.components.seconds * 1000)", "LOG_LEVEL": "info",
            ],
            binary: try MockKafkaProcess.releaseBinary("malomo-bridge")
        )
        defer { bridge.signal(SIGKILL) }
        let load = WebhookLoad()
        // 8 clients, each at most 25 requests/s: about 200/s, bounded to 60,000 in all.
        let loadTask = Task { await load.run(port: bridge.webhookPort, clients: 8, interval: .milliseconds(40), limit: 60_000, prefix: "nf") }
        let readiness = LockedBox<[(at: ContinuousClock.Instant, status: Int)]>([])
        let readinessTask = Task {
            while !Task.isCancelled {
                let result = await RawHTTPClient.get(port: bridge.managementPort, path: "/readyz")
                let status = (try? result.get().status) ?? 0
                readiness.withLock { $0.append((ContinuousClock.now, status)) }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        // Whatever fails below: no load left running, no rule left in place.
        defer {
            load.stop()
            readinessTask.cancel()
            try? NetworkNamespace.heal()
        }

        let baselineStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        let baseline = load.acceptedRate(in: baselineStart..<ContinuousClock.now)
        #expect(baseline > 50, "baseline \(baseline) 202/s")

        var phases: [Phase] = []
        for fault in faults {
            let applied = ContinuousClock.now
            for rule in fault.rules { try NetworkNamespace.iptables(["-A"] + rule) }
            try await Task.sleep(for: Self.hold)
            try NetworkNamespace.heal()
            let healed = ContinuousClock.now
            var firstAccepted: Duration?
            var backToRate: Duration?
            var readyAgain: Duration?
            while ContinuousClock.now - healed < Self.recoveryLimit {
                try await Task.sleep(for: .milliseconds(100))
                let now = ContinuousClock.now
                if firstAccepted == nil,
                    let first = load.samples.withLock({ $0.filter { $0.status == 202 && $0.started >= healed }.map(\.finished).min() })
                {
                    firstAccepted = first - healed
                }
                if readyAgain == nil, let ready = readiness.value.first(where: { $0.at >= healed && $0.status == 200 }) {
                    readyAgain = ready.at - healed
                }
                if backToRate == nil, firstAccepted != nil, now - healed >= .seconds(1),
                    load.acceptedRate(in: (now - .seconds(1))..<now) >= 0.8 * baseline
                {
                    backToRate = now - healed
                }
                if backToRate != nil && readyAgain != nil { break }
            }
            let sawUnready = readiness.value.contains { $0.at >= applied && $0.at < healed && $0.status == 503 }
            phases.append(
                Phase(
                    fault: fault,
                    applied: applied,
                    healed: healed,
                    end: ContinuousClock.now,
                    firstAccepted: firstAccepted,
                    backToRate: backToRate,
                    sawUnready: sawUnready,
                    readyAgain: readyAgain
                )
            )
            try await Task.sleep(for: .seconds(1))  // steady again before the next fault
        }
        load.stop()
        await loadTask.value
        readinessTask.cancel()
        _ = await readinessTask.value

        // Every 202 at the partition and offset it announced; no event written twice.
        let records = try cluster.records(of: Self.topic)
        var positions: [String: [Position]] = [:]
        for record in records { positions[record.key, default: []].append(Position(partition: record.partition, offset: record.offset)) }
        let samples = load.samples.withLock { $0 }
        try self.report(phases: phases, samples: samples, positions: positions, baseline: baseline)
        // The bridge's own view of its slowest answers (handler entry to response), to tell its
        // time from the client's and the kernel's.
        let bridgeLatencies = bridge.logs.compactMap { line -> Double? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (object["latency_ms"] as? String).flatMap(Double.init)
        }
        print("network faults: the bridge's longest logged answer: \(Int(bridgeLatencies.max() ?? 0)) ms (\(bridgeLatencies.count) logged)")
        // Its own deadline ends every wait at ACK_TIMEOUT_MS, whenever librdkafka reports.
        #expect((bridgeLatencies.max() ?? 0) <= WebhookLoad.seconds(Self.ackTimeout) * 1000 + 250)

        let duplicates = positions.filter { $0.value.count > 1 }
        #expect(duplicates.isEmpty, "events written more than once: \(duplicates.prefix(5))")
        for sample in samples {
            if case .answered(202, let partition?, let offset?) = sample.outcome {
                #expect(
                    positions[sample.key]?.contains(Position(partition: partition, offset: offset)) == true,
                    "\(sample.key): 202 at \(partition)@\(offset), in Kafka at \(positions[sample.key] ?? [])"
                )
            } else if case .answered(let status, _, _) = sample.outcome {
                #expect(status == 503, "\(sample.key) got \(status)")
            } else {
                Issue.record("\(sample.key) got no answer: \(sample.outcome)")
            }
            #expect(sample.duration < Self.ackTimeout + Self.answerMargin, "\(sample.key) took \(sample.duration)")
        }
        for phase in phases {
            #expect(phase.backToRate != nil, "\(phase.fault.name): not back to 80% of the baseline rate within \(Self.recoveryLimit)")
            #expect(phase.readyAgain != nil, "\(phase.fault.name): /readyz not 200 within \(Self.recoveryLimit) of the heal")
            if phase.fault.isTotal { #expect(phase.sawUnready, "\(phase.fault.name): /readyz never turned 503") }
        }
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)
    }

    struct Position: Hashable, CustomStringConvertible {
        let partition: Int
        let offset: Int
        var description: String { "\(self.partition)@\(self.offset)" }
    }

    /// One line per phase (the figures docs/reliability.md quotes).
    func report(phases: [Phase], samples: [WebhookLoad.Sample], positions: [String: [Position]], baseline: Double) throws {
        func ms(_ duration: Duration?) -> String {
            duration.map { String(Int(WebhookLoad.seconds($0) * 1000)) } ?? "-"
        }
        print("network faults: baseline \(Int(baseline)) 202/s; ACK_TIMEOUT_MS \(Self.ackTimeout); each fault held \(Self.hold)")
        print(
            "phase | requests | 202 | 503 | no answer | 503 written anyway | longest ms | first 202 after heal ms | back to 80% rate ms | readyz 503 | ready after heal ms"
        )
        for phase in phases {
            let during = samples.filter { $0.started >= phase.applied && $0.started < phase.end }
            let accepted = during.filter { $0.status == 202 }.count
            let refusedOrUnavailable = during.filter { $0.status == 503 }
            let unanswered = during.filter { $0.status == nil }.count
            let writtenAnyway = refusedOrUnavailable.filter { positions[$0.key] != nil }.count
            let longest = during.map(\.duration).max()
            print(
                "\(phase.fault.name) | \(during.count) | \(accepted) | \(refusedOrUnavailable.count) | \(unanswered) | \(writtenAnyway) | \(ms(longest)) | \(ms(phase.firstAccepted)) | \(ms(phase.backToRate)) | \(phase.sawUnready ? "yes" : "no") | \(ms(phase.readyAgain))"
            )
        }
        let accepted = samples.filter { $0.status == 202 }.count
        print("network faults: \(samples.count) requests, \(accepted) 202s, \(positions.count) events in Kafka")
    }
}
