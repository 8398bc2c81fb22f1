import Foundation
import MalomoTestSupport
import MalomoWebhookCore
import Synchronization

/// Unique signed webhooks (`orders:created`, body `{"id":"<key>"}`, so the record's key is
/// `<key>`) from concurrent clients at a bounded rate, each outcome kept with its timing.
/// With `retries`, a request that did not get a 202 is sent again, as Malomo would.
final class WebhookLoad: Sendable {
    enum Outcome: Sendable, Equatable {
        /// An HTTP answer; a 202's partition and offset.
        case answered(status: Int, partition: Int?, offset: Int?)
        /// The connection was refused: nothing was sent.
        case refused
        /// Sent (partly), but no complete answer.
        case noAnswer(String)
    }

    struct Sample: Sendable {
        let key: String
        let attempt: Int
        let started: ContinuousClock.Instant
        let finished: ContinuousClock.Instant
        let outcome: Outcome
        var duration: Duration { self.finished - self.started }
        var status: Int? {
            if case .answered(let status, _, _) = self.outcome { return status }
            return nil
        }
    }

    static let secret = "network-fault-secret"
    let samples = Mutex<[Sample]>([])
    private let stopped = Atomic<Bool>(false)
    private let sent = Atomic<Int>(0)

    /// Sends from `clients` clients, each at most one request per `interval`, until ``stop()``
    /// or `limit` requests in all. Each client is a thread of its own doing blocking I/O: on a
    /// shared pool, clients blocked for seconds by a fault delayed the start of other requests
    /// (Dispatch adds threads slowly), which the timings would have charged to the bridge.
    func run(port: Int, clients: Int, interval: Duration, limit: Int, prefix: String, retries: Int = 0) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Atomic<Int>(clients)
            for client in 0..<clients {
                let thread = Thread {
                    self.client(client, port: port, interval: interval, limit: limit, prefix: prefix, retries: retries)
                    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { continuation.resume() }
                }
                thread.start()
            }
        }
    }

    private func client(_ client: Int, port: Int, interval: Duration, limit: Int, prefix: String, retries: Int) {
        var index = 0
        while !self.stopped.load(ordering: .relaxed), self.sent.add(1, ordering: .relaxed).newValue <= limit {
            let key = "\(prefix)-\(client)-\(index)"
            index += 1
            var attempt = 1
            while true {
                let slot = ContinuousClock.now + interval
                let sample = Self.send(port: port, key: key, attempt: attempt)
                self.samples.withLock { $0.append(sample) }
                let wait = slot - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: Self.seconds(wait)) }
                guard sample.status != 202, attempt <= retries, !self.stopped.load(ordering: .relaxed) else { break }
                attempt += 1
            }
        }
    }

    func stop() { self.stopped.store(true, ordering: .relaxed) }

    /// One request, blocking the calling thread.
    static func send(port: Int, key: String, attempt: Int) -> Sample {
        let body = Array(#"{"id":"\#(key)"}"#.utf8)
        let signature = WebhookSignatureVerifier.sign(body: body, secret: WebhookSecret(Self.secret)!)
        let raw = RawHTTPClient.postBytes(
            path: "/webhooks/malomo",
            headers: [
                ("Content-Type", "application/json"), ("Malomo-Topic", "orders:created"), ("Malomo-Webhook-Id", "wh_faults"),
                ("Malomo-Attempt-Number", "\(attempt)"), ("Malomo-Signature", signature),
            ],
            body: body
        )
        let started = ContinuousClock.now
        let result = RawHTTPClient.blockingExchange(port: port, raw: raw, timeout: 15)
        let finished = ContinuousClock.now
        let outcome: Outcome
        switch result {
        case .success(let response):
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
            outcome = .answered(status: response.status, partition: object?["partition"] as? Int, offset: object?["offset"] as? Int)
        case .failure(.connectRefused): outcome = .refused
        case .failure(.noResponse(let why)): outcome = .noAnswer(why)
        }
        return Sample(key: key, attempt: attempt, started: started, finished: finished, outcome: outcome)
    }

    /// 202s finished in `window`, per second.
    func acceptedRate(in window: Range<ContinuousClock.Instant>) -> Double {
        let count = self.samples.withLock { $0.filter { $0.status == 202 && window.contains($0.finished) }.count }
        return Double(count) / Self.seconds(window.upperBound - window.lowerBound)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
