import Foundation

/// Malomo's sample bodies (copied from `../shared/malomo/fixtures`) and the repository's own
/// files, for every test target: the one place tests find them.
package enum Fixture {
    /// A fixture that is not in this target's resources.
    package struct Missing: Error, CustomStringConvertible {
        package let name: String
        package var description: String { "no fixture \(name) in Tests/MalomoFixtures/Fixtures" }
    }

    /// The bytes of fixture `name` (`order.json`, …).
    package static func bytes(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw Missing(name: name)
        }
        return Array(try Data(contentsOf: url))
    }

    /// Each documented topic with the fixture its webhooks carry in the tests.
    package static let topics: [(topic: String, fixture: String)] = [
        ("orders:created", "order.json"), ("orders:updated", "order-unknown-fields.json"),
        ("orders:deleted", "order-minimal.json"), ("customers:created", "customer.json"),
        ("customers:updated", "customer.json"), ("customers:deleted", "customer.json"), ("events:created", "event.json"),
    ]

    /// The repository's root (README.md, docker/, helm/, docs/).
    package static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}
