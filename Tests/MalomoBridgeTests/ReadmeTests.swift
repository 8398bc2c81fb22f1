import Foundation
import MalomoBridge
import Testing

/// The README's configuration table lists every setting with the default the code applies.
@Suite struct ReadmeTests {
    @Test func configurationTableMatchesTheSettings() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("README.md"),
            encoding: .utf8
        )
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
}
