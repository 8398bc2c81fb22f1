import Foundation
import KafkaWire
import Logging
import MalomoTestSupport
import MalomoWebhookCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Random and abusive HTTP against the real binary: no crash, only documented statuses,
/// memory bounded, and a well-behaved client is still served throughout.
@Suite struct HostileHTTPTests {
    /// Deterministic, so a failure can be replayed (the seed is printed).
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let documentedStatuses: Set<Int> = [202, 400, 401, 404, 405, 408, 413, 431, 503]

    static func randomRequest(_ rng: inout SplitMix64) -> [UInt8] {
        let methods = ["POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO"]
        let paths = [
            "/webhooks/malomo", "/webhooks/malomo", "/", "/webhooks/malomo/../x", "/%00", "//webhooks//malomo",
            "/webhooks/malomo?x=1", "/" + String(repeating: "a", count: Int.random(in: 1...3000, using: &rng)),
        ]
        let secret = WebhookSecret(BridgeHarness.secret)!
        var body: [UInt8]
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: body = (0..<Int.random(in: 0...4096, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 1: body = Array(#"{"id":"hostile-\#(rng.next())"}"#.utf8)
        case 2: body = Array((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8)
        case 3: body = [UInt8](repeating: UInt8(ascii: "a"), count: Int.random(in: 1_000_000...1_200_000, using: &rng))
        case 4: body = Array(#"{"id":"\u0000\ud800","a":"\#(String(repeating: "é", count: 500))"}"#.utf8)
        default: body = []
        }
        var head = "\(methods.randomElement(using: &rng)!) \(paths.randomElement(using: &rng)!) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if Bool.random(using: &rng) {
            head += "Malomo-Topic: \(["orders:created", "ORDERS", "", "a:b:c", String(repeating: "x:", count: 200)].randomElement(using: &rng)!)\r\n"
        }
        if Bool.random(using: &rng) {
            let signature = Bool.random(using: &rng) ? WebhookSignatureVerifier.sign(body: body, secret: secret) : "deadbeef"
            head += "Malomo-Signature: \(signature)\r\n"
        }
        if Bool.random(using: &rng) { head += "Malomo-Webhook-Id: \(String(repeating: "w", count: Int.random(in: 1...2000, using: &rng)))\r\n" }
        if Int.random(in: 0..<10, using: &rng) == 0 { head += "X-Big: \(String(repeating: "b", count: 20_000))\r\n" }
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:  // chunked, well-formed
            var chunked = Array(String(body.count, radix: 16).utf8) + [13, 10] + body + [13, 10]
            chunked += Array("0\r\n\r\n".utf8)
            return Array((head + "Transfer-Encoding: chunked\r\n\r\n").utf8) + chunked
        case 1:  // chunked, truncated mid-chunk
            return Array((head + "Transfer-Encoding: chunked\r\n\r\n").utf8) + Array("ffff\r\n".utf8) + body.prefix(100)
        case 2:  // Content-Length larger than the body (truncated)
            return Array((head + "Content-Length: \(body.count + 50)\r\n\r\n").utf8) + body
        case 3:  // both Content-Length and Transfer-Encoding (smuggling attempt)
            return Array((head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n").utf8) + Array("0\r\n\r\n".utf8) + body.prefix(64)
        case 4:  // garbage head
            return (0..<Int.random(in: 1...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:
            return Array((head + "Content-Length: \(body.count)\r\n\r\n").utf8) + body
        }
    }

    @Test func randomAndAbusiveRequestsNeverTakeTheBridgeDown() async throws {
        var logger = Logger(label: "hostile")
        logger.logLevel = .error
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        try cluster.createTopic("malomo.orders.created", partitions: 1)
        let bridge = try await BridgeProcess(environment: [
            "KAFKA_BROKERS": cluster.bootstrapServers, "MALOMO_WEBHOOK_SECRET": BridgeHarness.secret,
            "HTTP_READ_TIMEOUT_MS": "1000", "HTTP_IDLE_TIMEOUT_MS": "2000", "MAX_IN_FLIGHT": "64", "LOG_LEVEL": "info",
        ])
        let port = bridge.webhookPort
        let seed = UInt64(Date().timeIntervalSince1970)
        print("hostile HTTP seed: \(seed)")
        let statuses = LockedBox<[Int: Int]>([:])
        let unanswered = LockedBox<[String]>([])
        let wellBehaved = LockedBox<[Int]>([])

        // 200 idle connections, opened first: the idle timeout (2 s) must close them all.
        let idle = (0..<200).map { _ in Self.openIdleConnection(port: port) }
        #expect(idle.allSatisfy { $0 >= 0 })

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var rng = SplitMix64(state: seed &+ UInt64(worker))
                    for _ in 0..<60 {
                        let raw = Self.randomRequest(&rng)
                        switch await RawHTTPClient.exchange(port: port, raw: raw, timeout: 5) {
                        case .success(let response): statuses.withLock { $0[response.status, default: 0] += 1 }
                        case .failure(let failure): unanswered.withLock { $0.append("\(failure)") }
                        }
                    }
                }
            }
            // Slow senders: the head at once, then the body a byte every 300 ms, past HTTP_READ_TIMEOUT_MS.
            for _ in 0..<4 {
                group.addTask {
                    let start = ContinuousClock.now
                    await Self.slowSend(port: port)
                    #expect(ContinuousClock.now - start < .seconds(6), "a slow sender is cut off")
                }
            }
            // A well-behaved client keeps being served.
            group.addTask {
                for index in 0..<20 {
                    let result = await FaultInjectionTests.post(port: port, key: "good-\(index)")
                    wellBehaved.withLock { $0.append((try? result.get().status) ?? -1) }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            try await group.waitForAll()
        }
        // Every idle connection was closed by the bridge (a read sees the end of the stream).
        let stillOpen = idle.filter { fd in
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
        }
        for fd in idle where fd >= 0 { close(fd) }
        #expect(stillOpen.isEmpty, "\(stillOpen.count) idle connections outlived HTTP_IDLE_TIMEOUT_MS")
        #expect(bridge.process.isRunning, "the bridge survived")
        let unexpected = statuses.value.filter { !Self.documentedStatuses.contains($0.key) }
        #expect(unexpected.isEmpty, "undocumented statuses: \(unexpected)")
        // Every request is answered: with a status, or (garbage the HTTP parser cannot frame, a
        // head over the limit) by the connection being closed. Exchanges that time out would
        // show a connection held open.
        let answered = statuses.value.values.reduce(0, +)
        #expect(answered + unanswered.value.count == 8 * 60)
        #expect(!unanswered.value.contains { $0.contains("Resource temporarily unavailable") || $0.contains("timed out") }, "\(unanswered.value)")
        #expect(answered >= 8 * 60 * 3 / 4, "only \(answered) of \(8 * 60) exchanges answered: \(unanswered.value.prefix(5))")
        #expect(wellBehaved.value.allSatisfy { $0 == 202 }, "well-behaved client: \(wellBehaved.value)")
        let after = await FaultInjectionTests.post(port: port, key: "after")
        #expect((try? after.get().status) == 202)
        let peak = try #require(Self.peakResidentMiB(pid: bridge.process.processIdentifier), "cannot read /proc/PID/status")
        print(
            "hostile HTTP: statuses \(statuses.value.sorted { $0.key < $1.key }), \(unanswered.value.count) closed unanswered, bridge peak RSS \(peak) MiB"
        )
        #expect(peak < 512, "memory bounded: peak \(peak) MiB")
        bridge.signal(SIGTERM)
        #expect(try await bridge.waitForExit() == 0)
    }

    static func openIdleConnection(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return fd
    }

    static func slowSend(port: Int) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let fd = openIdleConnection(port: port)
                defer { close(fd) }
                let head = Array("POST /webhooks/malomo HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n".utf8)
                _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                for byte in Array("{\"id\":\"slow-body-trickled-byte-by-byte\"}".utf8) {
                    var value = byte
                    if send(fd, &value, 1, Int32(MSG_NOSIGNAL)) <= 0 { break }
                    usleep(300_000)
                }
                continuation.resume()
            }
        }
    }

    /// The process's resident memory now (VmRSS), or `nil` when /proc cannot be read.
    static func residentMiB(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { return nil }
        return kib / 1024
    }

    /// The process's peak resident memory (VmHWM), or `nil` when /proc cannot be read.
    static func peakResidentMiB(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { return nil }
        return kib / 1024
    }
}
