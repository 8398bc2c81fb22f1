import Foundation
import Logging
import MalomoBridge
import MalomoWebhookCore
import Testing

@Suite struct SecretRotationTests {
    @Test func changedSecretFilesAreHonouredAndABadUpdateKeepsThePrevious() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("wh_1")
        try "first\n".write(to: file, atomically: true, encoding: .utf8)
        let store = WebhookSecretStore(.init(defaults: [], byWebhookID: try WebhookSecretStore.readDirectory(directory.path)))
        let metrics = BridgeMetrics()
        let reloader = SecretsReloader(
            directory: directory.path,
            interval: .milliseconds(50),
            defaults: [],
            allowUnsigned: false,
            store: store,
            metrics: metrics,
            logger: Logger(label: "rotation")
        )
        let task = Task { try await reloader.run() }
        defer { task.cancel() }

        func waitFor(_ expected: [WebhookSecret]) async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            while store.secrets(forWebhookID: "wh_1") != expected && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(store.secrets(forWebhookID: "wh_1") == expected)
        }
        #expect(store.secrets(forWebhookID: "wh_1") == [WebhookSecret("first")!])
        // Rotation: new secret first, old one still accepted.
        try "second\nfirst\n".write(to: file, atomically: true, encoding: .utf8)
        try await waitFor([WebhookSecret("second")!, WebhookSecret("first")!])
        // A new webhook id appears.
        try "third\n".write(to: directory.appendingPathComponent("wh_2"), atomically: true, encoding: .utf8)
        let deadline = ContinuousClock.now + .seconds(20)
        while store.secrets(forWebhookID: "wh_2").isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(store.secrets(forWebhookID: "wh_2") == [WebhookSecret("third")!])
        // A bad update (an empty file) keeps the previous secrets and counts a failure.
        try "\n".write(to: file, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(400))
        #expect(store.secrets(forWebhookID: "wh_1") == [WebhookSecret("second")!, WebhookSecret("first")!])
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(OperationsTests.samples(text)[#"malomo_bridge_secret_reloads_total{result="failure"}"#] == 1)
        #expect(OperationsTests.samples(text)[#"malomo_bridge_secret_reloads_total{result="success"}"#] == 2)
        // Fixed again: picked up.
        try "fourth\n".write(to: file, atomically: true, encoding: .utf8)
        try await waitFor([WebhookSecret("fourth")!])
    }
}
