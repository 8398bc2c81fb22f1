import Foundation

/// The shared Malomo fixtures (kept once, in the bridge tests' resources).
enum Fixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return Array(try Data(contentsOf: here.deletingLastPathComponent().appendingPathComponent("MalomoBridgeTests/Fixtures/\(name)")))
    }
}
