import Benchmark
import Foundation
import MalomoModels
import MalomoWebhookCore

/// The per-request work of the bridge's pure core, and the consumer library's decode.
/// Names are shell-safe: ordo-one/benchmark writes threshold files under such names and
/// looks them up by the raw name.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: [
            .mallocCountTotal: .init(relative: [.p50: 10, .p90: 10]),
            .wallClock: .init(relative: [.p50: 35]),
        ]
    )

    let secret = WebhookSecret("benchmark-secret")!
    let otherSecret = WebhookSecret("previous-secret")!
    let order = fixture("order.json")

    for size in [1024, 65536] {
        var body = Array(order.prefix(size))
        while body.count < size { body.append(UInt8(ascii: " ")) }
        let signature = WebhookSignatureVerifier.sign(body: body, secret: secret)
        Benchmark("SignatureVerification_\(size / 1024)KiB_2secrets") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(
                    WebhookSignatureVerifier.verify(
                        signature: signature,
                        body: body,
                        secrets: [otherSecret, secret],
                        allowUnsigned: false
                    )
                )
            }
        }
    }

    let router = WebhookRouter()
    // JSON scan, event id, topic mapping, headers.
    Benchmark("RecordBuilding_orderJSON") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                router.record(
                    body: order,
                    malomoTopic: "orders:created",
                    webhookID: "wh_1",
                    attemptNumber: "1",
                    receivedAt: "2026-11-29T21:08:36.123Z"
                )
            )
        }
    }

    Benchmark("TypedDecode_orderJSON") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try MalomoWebhookEvent.decode(topic: "orders:created", body: order))
        }
    }

    let data = Data(order)
    Benchmark("UntypedJSONSerialization_orderJSON_baseline") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONSerialization.jsonObject(with: data))
        }
    }
}

func fixture(_ name: String) -> [UInt8] {
    let here = URL(fileURLWithPath: #filePath)
    let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return Array(try! Data(contentsOf: root.appendingPathComponent("Tests/MalomoFixtures/Fixtures/\(name)")))
}
