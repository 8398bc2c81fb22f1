import Foundation
import Logging
import MalomoBridge
import MalomoTestSupport
import MalomoWebhookCore
import ServiceLifecycle
import Testing

@Suite struct SecretRotationTests {
    /// Graceful shutdown ends the reloader at once, not after its interval (an hour here): a
    /// stop must fit in the pod's grace period.
    @Test(.timeLimit(.minutes(1))) func gracefulShutdownStopsTheReloaderAtOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reloader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "s\n".write(to: directory.appendingPathComponent("wh_1"), atomically: true, encoding: .utf8)
        let reloader = SecretsReloader(
            directory: directory.path,
            interval: .seconds(3600),
            defaults: [],
            allowUnsigned: false,
            store: WebhookSecretStore(.init(defaults: [], byWebhookID: try WebhookSecretStore.readDirectory(directory.path))),
            metrics: BridgeMetrics(),
            logger: Logger(label: "reloader")
        )
        let group = ServiceGroup(services: [reloader], logger: Logger(label: "reloader"))
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(200))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(ContinuousClock.now - started < .seconds(10), "stopped after \(ContinuousClock.now - started)")
    }

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
        // Until the reloader saw it (its failure counted), not for a fixed time.
        let failureSeen = ContinuousClock.now + .seconds(20)
        func failures() -> Double? {
            MetricsText.samples(String(decoding: metrics.render(), as: UTF8.self))[#"malomo_bridge_secret_reloads_total{result="failure"}"#]
        }
        while failures() != 1 && ContinuousClock.now < failureSeen { try await Task.sleep(for: .milliseconds(20)) }
        #expect(store.secrets(forWebhookID: "wh_1") == [WebhookSecret("second")!, WebhookSecret("first")!])
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(MetricsText.samples(text)[#"malomo_bridge_secret_reloads_total{result="failure"}"#] == 1)
        #expect(MetricsText.samples(text)[#"malomo_bridge_secret_reloads_total{result="success"}"#] == 2)
        // Fixed again: picked up.
        try "fourth\n".write(to: file, atomically: true, encoding: .utf8)
        try await waitFor([WebhookSecret("fourth")!])
        // Unreadable updates (tests run as root, so no chmod): the file replaced by a FIFO (a
        // read would block forever), by a directory, or grown past 64 KiB. Each keeps the
        // previous secrets, counts one failure, and the reloader goes on to see the fix.
        let unreadable: [(String, () throws -> Void)] = [
            ("a FIFO", { #expect(mkfifo(file.path, 0o600) == 0) }),
            ("a directory", { try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false) }),
            ("a 65 KiB file", { try Data(repeating: 0x61, count: 65 * 1024).write(to: file) }),
        ]
        var previous = [WebhookSecret("fourth")!]
        for (index, (what, replace)) in unreadable.enumerated() {
            try FileManager.default.removeItem(at: file)
            try replace()
            let seen = ContinuousClock.now + .seconds(20)
            while failures() != Double(2 + index) && ContinuousClock.now < seen { try await Task.sleep(for: .milliseconds(20)) }
            #expect(failures() == Double(2 + index), "\(what): no failure counted")
            #expect(store.secrets(forWebhookID: "wh_1") == previous, "\(what) replaced the secrets")
            try FileManager.default.removeItem(at: file)
            try "fixed-\(index)\n".write(to: file, atomically: true, encoding: .utf8)
            previous = [WebhookSecret("fixed-\(index)")!]
            try await waitFor(previous)
        }
    }

    /// The same files at startup stop it with the setting named, at once (a FIFO never blocks it).
    @Test(.timeLimit(.minutes(1))) func unreadableSecretFilesAreRefusedAtStartup() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unreadable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("wh_1")
        #expect(mkfifo(file.path, 0o600) == 0)
        let notRegular = "secret file 'wh_1' is not a regular file (a directory, FIFO or device)"
        #expect(throws: BridgeConfigurationError(setting: "MALOMO_WEBHOOK_SECRETS_DIR", message: notRegular)) {
            try WebhookSecretStore.readDirectory(directory.path)
        }
        try FileManager.default.removeItem(at: file)
        try Data(repeating: 0x61, count: 64 * 1024 + 1).write(to: file)
        #expect(throws: BridgeConfigurationError(setting: "MALOMO_WEBHOOK_SECRETS_DIR", message: "secret file 'wh_1' is larger than 65536 bytes")) {
            try WebhookSecretStore.readDirectory(directory.path)
        }
        // A chain of links is followed to its end; a loop is an error, not a missing file.
        try FileManager.default.removeItem(at: file)
        let target = directory.appendingPathComponent(".target")
        try "chained\n".write(to: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent(".middle").path, withDestinationPath: target.path)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: directory.appendingPathComponent(".middle").path)
        #expect(try WebhookSecretStore.readDirectory(directory.path) == ["wh_1": [WebhookSecret("chained")!]])
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: file.path)
        #expect(
            throws: BridgeConfigurationError(
                setting: "MALOMO_WEBHOOK_SECRETS_DIR",
                message: "secret file 'wh_1' cannot be read (Too many levels of symbolic links)"
            )
        ) {
            try WebhookSecretStore.readDirectory(directory.path)
        }
        // A link to nothing is a key Kubernetes is removing: skipped, like a deleted file.
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: directory.appendingPathComponent("..data/wh_1").path)
        try "other\n".write(to: directory.appendingPathComponent("wh_2"), atomically: true, encoding: .utf8)
        #expect(try WebhookSecretStore.readDirectory(directory.path) == ["wh_2": [WebhookSecret("other")!]])
    }
}
