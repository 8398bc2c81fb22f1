import Foundation

/// Reads the shared fixtures copied into the bridge tests' resources.
enum FixtureFile {
    static func bytes(_ name: String) throws -> [UInt8] {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let url = here.deletingLastPathComponent().appendingPathComponent("MalomoBridgeTests/Fixtures/\(name)")
        return Array(try Data(contentsOf: url))
    }
}
