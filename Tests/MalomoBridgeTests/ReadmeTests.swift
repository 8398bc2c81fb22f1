import Foundation
import MalomoBridge
import MalomoFixtures
import Testing

/// The README's configuration table lists every setting with the default the code applies.
@Suite struct ReadmeTests {
    static func readme() throws -> String {
        try String(contentsOf: Fixture.repository.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// Each row of the configuration table is its setting's declaration (``BridgeSetting``):
    /// variable, default and meaning, in the declarations' order, and no row names a setting
    /// that does not exist.
    @Test func configurationTableIsTheSettings() throws {
        let readme = try Self.readme()
        let rows = readme.split(separator: "\n").map(String.init).filter {
            $0.range(of: #"^\| `[A-Z][A-Z_]+` \|"#, options: .regularExpression) != nil
        }
        let expected = BridgeConfiguration.settings.map { "| `\($0.environmentVariable)` | \($0.defaultDescription) | \($0.help) |" }
        #expect(rows.filter { !$0.hasPrefix("| `KAFKA_PROPERTY_") } == expected)
        for setting in BridgeConfiguration.settings {
            #expect(rows.contains { $0.hasPrefix("| `\(setting.environmentVariable)` |") }, "\(setting.environmentVariable) is not documented")
            if let documented = setting.defaultValue {
                #expect(
                    setting.defaultDescription.contains("`\(documented)`"),
                    "\(setting.environmentVariable): README does not show default \(documented)"
                )
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
