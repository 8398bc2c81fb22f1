// swift-tools-version:6.1
import PackageDescription

let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore = Target.Dependency.product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let configuration = Target.Dependency.product(name: "Configuration", package: "swift-configuration")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioEmbedded = Target.Dependency.product(name: "NIOEmbedded", package: "swift-nio")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let coreMetrics = Target.Dependency.product(name: "CoreMetrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let nioConcurrencyHelpers = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")

let package = Package(
    name: "malomo-kafka-bridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "malomo-bridge", targets: ["MalomoBridgeServer"]),
        .library(name: "MalomoBridge", targets: ["MalomoBridge"]),
        .library(name: "MalomoContract", targets: ["MalomoContract"]),
        .library(name: "MalomoWebhookCore", targets: ["MalomoWebhookCore"]),
        .library(name: "KafkaWire", targets: ["KafkaWire"]),
        .library(name: "MalomoModels", targets: ["MalomoModels"]),
        .library(name: "MalomoConsumer", targets: ["MalomoConsumer"]),
        .executable(name: "malomo-events-tail", targets: ["MalomoEventsTail"]),
        .executable(name: "malomo-mock-kafka", targets: ["MalomoMockKafka"]),
        .executable(name: "malomo-admin", targets: ["MalomoAdminCommand"]),
        .library(name: "MalomoAdmin", targets: ["MalomoAdmin"]),
        .executable(name: "malomo-fake-api", targets: ["MalomoFakeAPIServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(
            url: "https://github.com/apple/swift-configuration.git",
            from: "1.4.0",
            traits: [.defaults, "CommandLineArguments"]
        ),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // 2.101.3: HEAD responses no longer carry a body.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // `swift package generate-documentation`: the DocC catalogs, built by scripts/check-docs.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // The C library, touched only from Sources/KafkaWire/RDKafka/.
        .systemLibrary(
            name: "CLibrdkafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        // Swift over librdkafka: producer, consumer, mock cluster. No HTTP, no Malomo.
        .target(
            name: "KafkaWire",
            dependencies: ["CLibrdkafka", logging, serviceLifecycle, nioConcurrencyHelpers]
        ),
        // The record contract both products use: topics, Kafka topic naming, header names,
        // defaults, event ids, the one JSON grammar. The standard library only.
        .target(name: "MalomoContract"),
        // Pure logic: signatures, topic mapping, record building. No HTTP, no Kafka.
        .target(name: "MalomoWebhookCore", dependencies: ["MalomoContract", crypto]),
        // The HTTP app as a library: configuration, responder, services.
        .target(
            name: "MalomoBridge",
            dependencies: [
                "MalomoContract", "MalomoWebhookCore", "KafkaWire", hummingbird, hummingbirdCore, httpTypes, nioCore, logging, serviceLifecycle,
                unixSignals,
                configuration, metrics, coreMetrics, prometheus, crypto,
            ],
            resources: [.copy("Resources/sample-order.json")]
        ),
        .executableTarget(name: "MalomoBridgeServer", dependencies: ["MalomoBridge", "KafkaWire", configuration, logging]),
        // Typed, tolerant Malomo resources: Foundation only, usable with any Kafka client.
        .target(name: "MalomoModels", dependencies: ["MalomoContract"]),
        // At-least-once typed consumption on KafkaWire.
        .target(name: "MalomoConsumer", dependencies: ["MalomoContract", "MalomoModels", "KafkaWire", logging, serviceLifecycle]),
        .executableTarget(
            name: "MalomoEventsTail",
            dependencies: ["MalomoConsumer", "MalomoModels", "KafkaWire", logging, serviceLifecycle, unixSignals, argumentParser]
        ),
        // librdkafka's mock cluster as a process of its own (benchmarks, local tests).
        .executableTarget(name: "MalomoMockKafka", dependencies: ["KafkaWire", "MalomoContract", logging]),
        // Day-2 tooling: Malomo's webhook API (register, sync, rotate) and dead-letter redrive.
        .target(name: "MalomoAdmin", dependencies: ["MalomoContract", "MalomoWebhookCore", "KafkaWire", logging]),
        .executableTarget(
            name: "MalomoAdminCommand",
            dependencies: [
                "MalomoAdmin", "MalomoBridge", "MalomoContract", "MalomoWebhookCore", "KafkaWire", argumentParser, configuration, logging,
            ]
        ),
        .testTarget(name: "MalomoAdminTests", dependencies: ["MalomoAdmin", "MalomoContract"]),
        // A stand-in for Malomo's webhook API: the admin tool's tests and local trials.
        .target(name: "MalomoFakeAPI", dependencies: ["MalomoWebhookCore", hummingbird, httpTypes, nioCore, logging, serviceLifecycle]),
        .executableTarget(name: "MalomoFakeAPIServer", dependencies: ["MalomoFakeAPI", argumentParser]),
        .testTarget(name: "MalomoContractTests", dependencies: ["MalomoContract", crypto]),
        .testTarget(name: "MalomoWebhookCoreTests", dependencies: ["MalomoContract", "MalomoWebhookCore", "MalomoFixtures"]),
        .testTarget(name: "KafkaWireTests", dependencies: ["KafkaWire", "CLibrdkafka", logging]),
        .testTarget(name: "MalomoModelsTests", dependencies: ["MalomoContract", "MalomoModels", "MalomoFixtures"]),
        .testTarget(
            name: "MalomoConsumerTests",
            dependencies: [
                "MalomoConsumer", "MalomoModels", "KafkaWire", "MalomoTestSupport", "MalomoFixtures", "MalomoWebhookCore", hummingbird,
                hummingbirdTesting, nioCore, logging, serviceLifecycle, unixSignals,
            ]
        ),
        // Test helpers: Malomo's sample bodies for every test target, and the bridge harness,
        // raw HTTP client and subprocess helpers for the bridge's, consumer's and integration tests.
        .target(name: "MalomoFixtures", path: "Tests/MalomoFixtures", resources: [.copy("Fixtures")]),
        .target(
            name: "MalomoTestSupport",
            dependencies: [
                "MalomoBridge", "MalomoContract", "MalomoWebhookCore", "KafkaWire", "MalomoFixtures", hummingbird, hummingbirdTesting,
                httpTypes, nioCore, logging,
            ],
            path: "Tests/MalomoTestSupport"
        ),
        .testTarget(
            name: "MalomoBridgeTests",
            dependencies: [
                "MalomoBridge", "MalomoWebhookCore", "KafkaWire", "MalomoContract", "MalomoTestSupport", "MalomoFixtures", hummingbird,
                hummingbirdTesting, httpTypes, nioCore, nioPosix, nioEmbedded, logging, configuration, serviceLifecycle,
            ]
        ),
        // Process-level and load suites: the built executables as users run them, fault
        // injection, hostile HTTP, SIGTERM and kill -9, soak, Prometheus against the alert rules.
        .testTarget(
            name: "MalomoIntegrationTests",
            dependencies: [
                "MalomoBridge", "MalomoWebhookCore", "KafkaWire", "MalomoContract", "MalomoTestSupport", "MalomoFixtures", "MalomoAdmin",
                "MalomoFakeAPI", "MalomoConsumer", "MalomoModels", hummingbird, hummingbirdTesting, httpTypes, nioCore, logging,
                serviceLifecycle,
            ]
        ),
        // Real network faults and replicas behind nginx, in a network namespace of their own
        // (scripts/check-network-faults); they refuse to run anywhere else.
        .testTarget(
            name: "MalomoNetworkFaultTests",
            dependencies: ["MalomoTestSupport", "MalomoFixtures", "MalomoWebhookCore", "MalomoContract", "KafkaWire", logging]
        ),
    ]
)

// scripts/test builds with MALOMO_STRICT_BUILD=1: a warning in our own code fails CI (the
// dependencies' warnings stay theirs). Off by default, so a newer compiler's new warning does
// not stop someone building a release.
let strict = Context.environment["MALOMO_STRICT_BUILD"] == "1"

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    if strict { settings.append(.unsafeFlags(["-warnings-as-errors"])) }
    target.swiftSettings = settings
}
