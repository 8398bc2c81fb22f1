// swift-tools-version:6.1
import Foundation
import PackageDescription

// Micro-benchmarks (ordo-one/benchmark): `swift package --disable-sandbox benchmark` from this
// folder. Thresholds live in Thresholds/; `scripts/check-benchmarks` (run by scripts/test)
// checks their allocation counts, `swift package --disable-sandbox benchmark thresholds check`
// all of them on a quiet machine.
// DecodeThroughput: typed vs untyped decode of order.json, side by side in one run.

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootName = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "MalomoBridgeBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "BridgeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MalomoWebhookCore", package: rootName),
                .product(name: "MalomoModels", package: rootName),
            ],
            path: "Benchmarks/BridgeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DecodeThroughput",
            dependencies: [.product(name: "MalomoModels", package: rootName)],
            path: "Sources/DecodeThroughput"
        ),
    ]
)
