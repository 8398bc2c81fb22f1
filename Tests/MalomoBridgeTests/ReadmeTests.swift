import Foundation
import MalomoBridge
import MalomoFixtures
import Testing

/// The README's configuration table lists every setting with the default the code applies.
@Suite struct ReadmeTests {
    static func readme() throws -> String {
        try String(contentsOf: Fixture.repository.appendingPathComponent("README.md"), encoding: .utf8)
    }

    @Test func configurationTableMatchesTheSettings() throws {
        let readme = try Self.readme()
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for setting in BridgeConfiguration.settings {
            let row = try #require(
                rows.first { $0.hasPrefix("| `\(setting.environmentVariable)` |") },
                "\(setting.environmentVariable) is not documented"
            )
            if let documented = setting.defaultValue {
                #expect(row.contains("| `\(documented)`"), "\(setting.environmentVariable): README does not show default \(documented)")
            }
        }
    }

    /// The README's metrics table lists every family the bridge exposes, with its type.
    @Test func metricsTableListsEveryFamily() throws {
        let readme = try Self.readme()
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `malomo_bridge_") }
        for family in BridgeMetricFamily.all {
            let row = try #require(rows.first { $0.contains("`\(family.name)`") }, "\(family.name) is not in the README's metrics table")
            #expect(row.contains("| \(family.kind.rawValue)"), "\(family.name): the README gives another type")
        }
    }
}
