import Foundation
import MalomoModels

let path = CommandLine.arguments.dropFirst().first ?? "../Tests/MalomoFixtures/Fixtures/order.json"
let body = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
let data = Data(body)
let iterations = 20_000

func measure(_ name: String, _ work: () throws -> Void) rethrows -> Double {
    for _ in 0..<1000 { try work() }  // warm up
    let clock = ContinuousClock()
    let elapsed = try clock.measure { for _ in 0..<iterations { try work() } }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(iterations) / seconds
    print("\(name): \(Int(rate)) records/s (\(String(format: "%.1f", seconds / Double(iterations) * 1e6)) µs each)")
    return rate
}

// Alternate the two, three rounds each, so machine noise hits both.
var typed: [Double] = []
var untyped: [Double] = []
for _ in 0..<3 {
    untyped.append(try measure("JSONSerialization (untyped)") { _ = try JSONSerialization.jsonObject(with: data) })
    typed.append(try measure("MalomoWebhookEvent.decode (typed)") { _ = try MalomoWebhookEvent.decode(topic: "orders:created", body: body) })
}
let typedBest = typed.max()!
let untypedBest = untyped.max()!
print(
    String(format: "best of 3: typed %.0f/s, untyped %.0f/s, typed takes %.2fx the time of untyped", typedBest, untypedBest, untypedBest / typedBest)
)
