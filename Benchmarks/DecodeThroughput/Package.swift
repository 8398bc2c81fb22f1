// swift-tools-version:6.1
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let rootName = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

// Decode throughput of order.json: typed MalomoModels decode vs an untyped
// JSONSerialization parse of the same bytes, in one run. `swift run -c release`.
let package = Package(
    name: "DecodeThroughput",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "DecodeThroughput",
            dependencies: [.product(name: "MalomoModels", package: rootName)]
        )
    ]
)
