import Foundation
import Hummingbird
import HummingbirdTesting
import KafkaWire
import MalomoBridge
import MalomoTestSupport
import MalomoWebhookCore
import Testing

/// Breaks the mock cluster on purpose under a stream of concurrent signed requests:
/// every 202 must be in Kafka, the only other answer is 503, and the bridge recovers by itself.
@Suite struct FaultInjectionTests {
    struct Outcome: Sendable {
        let key: String
        let result: Result<RawHTTPClient.Response, RawHTTPClient.Failure>
    }

    /// Kafka protocol error codes used below.
    enum KafkaCode {
        static let notLeaderOrFollower: Int32 = 6
        static let requestTimedOut: Int32 = 7
        static let notEnoughReplicas: Int32 = 19
        static let messageTooLarge: Int32 = 10
        static let invalidRecord: Int32 = 87
    }

    @Test func faultsUnderConcurrentLoadLoseNoAcknowledgedEvent() async throws {
        let harness = try BridgeHarness(brokers: 3) { $0.webhook.ackTimeout = .milliseconds(3000) }
        let faults = LockedBox<[String]>([])
        let app = harness.application()
        let (outcomes, final) = try await app.test(.live) { client in
            let port = try #require(client.port)
            let running = LockedBox(true)
            let outcomes = LockedBox<[Outcome]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<12 {
                    group.addTask {
                        var index = 0
                        while running.value {
                            let key = "fault-\(worker)-\(index)"
                            outcomes.withLock { $0.append(Outcome(key: key, result: .failure(.noResponse("pending")))) }
                            let result = await Self.post(port: port, key: key)
                            outcomes.withLock { all in
                                if let slot = all.lastIndex(where: { $0.key == key }) { all[slot] = Outcome(key: key, result: result) }
                            }
                            index += 1
                        }
                    }
                }
                group.addTask {
                    func inject(_ name: String, _ action: () throws -> Void) throws {
                        try action()
                        faults.withLock { $0.append(name) }
                    }
                    let cluster = harness.cluster
                    try await Task.sleep(for: .seconds(1))
                    try inject("retriable produce errors (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS) x9") {
                        cluster.failNextRequests(
                            apiKey: MockKafkaCluster.produceAPIKey,
                            with: Array(repeating: [KafkaCode.notLeaderOrFollower, KafkaCode.requestTimedOut, KafkaCode.notEnoughReplicas], count: 3)
                                .flatMap { $0 }
                        )
                    }
                    try await Task.sleep(for: .seconds(1))
                    try inject("300 ms round-trip time on every broker for 1.5 s") {
                        for id in Int32(1)...3 { try cluster.setBrokerRoundTripTime(id, milliseconds: 300) }
                    }
                    try await Task.sleep(for: .milliseconds(1500))
                    for id in Int32(1)...3 { try cluster.setBrokerRoundTripTime(id, milliseconds: 0) }
                    try inject("leader changes on every partition of malomo.orders.created") {
                        for partition in Int32(0)..<3 {
                            try cluster.setPartitionLeader(topic: "malomo.orders.created", partition: partition, broker: (partition + 1) % 3 + 1)
                        }
                    }
                    try await Task.sleep(for: .seconds(1))
                    try inject("broker 1 down for 2 s") { try cluster.setBroker(1, up: false) }
                    try await Task.sleep(for: .seconds(2))
                    try cluster.setBroker(1, up: true)
                    try inject("all brokers down for 2 s") { try cluster.setAllBrokers(up: false) }
                    try await Task.sleep(for: .seconds(2))
                    try cluster.setAllBrokers(up: true)
                    try await Task.sleep(for: .seconds(1))
                    try inject("fatal (non-retriable) produce errors (MESSAGE_TOO_LARGE, INVALID_RECORD) x4") {
                        cluster.failNextRequests(
                            apiKey: MockKafkaCluster.produceAPIKey,
                            with: [KafkaCode.messageTooLarge, KafkaCode.invalidRecord, KafkaCode.messageTooLarge, KafkaCode.invalidRecord]
                        )
                    }
                    try await Task.sleep(for: .seconds(2))
                    running.withLock { $0 = false }
                }
                try await group.waitForAll()
            }
            // Recovery: after the faults, requests are accepted again, by themselves.
            var final: [Outcome] = []
            let deadline = ContinuousClock.now + .seconds(30)
            var index = 0
            while ContinuousClock.now < deadline {
                let key = "recovery-\(index)"
                let result = await Self.post(port: port, key: key)
                final.append(Outcome(key: key, result: result))
                index += 1
                if final.suffix(20).count == 20 && final.suffix(20).allSatisfy({ (try? $0.result.get().status) == 202 }) { break }
            }
            return (outcomes.value, final)
        }
        let all = outcomes + final
        var accepted: Set<String> = []
        // Where each 202 said its record went: topic, partition, offset.
        var announced: [String: (partition: Int32, offset: Int64)] = [:]
        var unavailable = 0
        for outcome in all {
            switch outcome.result {
            case .success(let response):
                #expect(response.status == 202 || response.status == 503, "\(outcome.key): \(response.status)")
                if response.status == 202 {
                    accepted.insert(outcome.key)
                    if let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                        let partition = body["partition"] as? Int, let offset = body["offset"] as? Int
                    {
                        announced[outcome.key] = (Int32(partition), Int64(offset))
                    } else {
                        Issue.record("\(outcome.key): a 202 without an integer partition and offset")
                    }
                } else {
                    unavailable += 1
                }
            case .failure(let failure):
                Issue.record("\(outcome.key): no answer (\(failure))")
            }
        }
        #expect(final.suffix(20).allSatisfy { (try? $0.result.get().status) == 202 }, "the bridge did not recover by itself")
        #expect(unavailable > 0, "the faults should have produced some 503s")

        // Read everything there is (until the timeout): duplicates are possible (a 503 whose
        // record landed after all, a retried batch), so no record count can end the read early.
        let records = try await harness.consume(topics: ["malomo.orders.created"], count: .max, timeout: .seconds(25))
        let found = Set(records.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } })
        let missing = accepted.subtracting(found)
        let summary = """
            faults injected: \(faults.value.count) (\(faults.value.joined(separator: "; ")))
            requests sent: \(all.count), 202s: \(accepted.count), 503s: \(unavailable), records read: \(records.count) \
            (\(found.count) distinct events, \(records.count - found.count) duplicates), 202s missing from Kafka: \(missing.count)
            """
        print(summary)
        #expect(faults.value.count == 6)
        #expect(missing.isEmpty, "\(summary)\nmissing: \(missing.sorted().prefix(20))")
        // Each 202's record is exactly where the answer said.
        var misplaced: [String] = []
        for (key, position) in announced {
            let atPosition = records.first { $0.partition == position.partition && $0.offset == position.offset }
            if atPosition?.key.map({ String(decoding: $0, as: UTF8.self) }) != key { misplaced.append(key) }
        }
        #expect(misplaced.isEmpty, "202s whose record is not at the announced partition and offset: \(misplaced.sorted().prefix(20))")
        await harness.producer.shutdown()
    }

    static func post(port: Int, key: String) async -> Result<RawHTTPClient.Response, RawHTTPClient.Failure> {
        let body = Array(#"{"id":"\#(key)","number":"1"}"#.utf8)
        let signature = WebhookSignatureVerifier.sign(body: body, secret: WebhookSecret(BridgeHarness.secret)!)
        return await RawHTTPClient.post(
            port: port,
            path: "/webhooks/malomo",
            headers: [("Malomo-Topic", "orders:created"), ("Malomo-Signature", signature), ("Malomo-Webhook-Id", "wh")],
            body: body
        )
    }
}
