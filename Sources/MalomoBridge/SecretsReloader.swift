import CoreMetrics
import Crypto
import Foundation
import Logging
import MalomoWebhookCore
import ServiceLifecycle

/// Re-reads `MALOMO_WEBHOOK_SECRETS_DIR` when its files change (a mounted Kubernetes Secret
/// is updated in place). A bad update keeps the previous secrets and logs an error.
public struct SecretsReloader: Service {
    let directory: String
    let interval: Duration
    let defaults: [WebhookSecret]
    let allowUnsigned: Bool
    let store: WebhookSecretStore
    let metrics: BridgeMetrics
    let logger: Logger
    /// The directory's state when the secrets in the store were read.
    private let initialFingerprint: [UInt8]

    /// Creates a reloader of `directory` into `store`, checking every `interval`. Create it right
    /// after loading the store: changes from then on are picked up.
    public init(
        directory: String,
        interval: Duration,
        defaults: [WebhookSecret],
        allowUnsigned: Bool,
        store: WebhookSecretStore,
        metrics: BridgeMetrics,
        logger: Logger
    ) {
        self.directory = directory
        self.interval = interval
        self.defaults = defaults
        self.allowUnsigned = allowUnsigned
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.initialFingerprint = Self.fingerprint(of: directory)
    }

    public func run() async throws {
        // Graceful shutdown cancels the wait: a stop never waits out the reload interval
        // (up to an hour), which the pod's grace period does not cover.
        await cancelWhenGracefulShutdown {
            var fingerprint = self.initialFingerprint
            while !Task.isCancelled {
                do { try await Task.sleep(for: self.interval) } catch { return }
                let current = Self.fingerprint(of: self.directory)
                guard current != fingerprint else { continue }
                fingerprint = current
                self.reload()
            }
        }
    }

    /// Reads the directory and swaps the secrets in when the result is usable.
    func reload() {
        do {
            let byWebhookID = try WebhookSecretStore.readDirectory(self.directory)
            let snapshot = WebhookSecretStore.Snapshot(defaults: self.defaults, byWebhookID: byWebhookID)
            if snapshot.count == 0 && !self.allowUnsigned {
                throw BridgeConfigurationError(setting: "MALOMO_WEBHOOK_SECRETS_DIR", message: "the update leaves no secret at all")
            }
            self.store.replace(with: snapshot)
            self.metrics.secretReloadSuccesses.increment()
            self.metrics.secretsLoaded.record(snapshot.count)
            self.logger.info(
                "Webhook secrets reloaded",
                metadata: ["webhook_ids": "\(byWebhookID.count)", "secrets": "\(snapshot.count)"]
            )
        } catch {
            self.metrics.secretReloadFailures.increment()
            self.logger.error("Webhook secrets not reloaded; keeping the previous ones", metadata: ["error": "\(error)"])
        }
    }

    /// A digest of every visible file's name and content (symlinks followed, as Kubernetes uses them).
    static func fingerprint(of directory: String) -> [UInt8] {
        var hasher = SHA256()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        hasher.update(data: Array("\(names.count)".utf8) + [0])
        for name in names.sorted().prefix(BoundedFile.secretFilesLimit + 1) where !name.hasPrefix(".") {
            hasher.update(data: Array(name.utf8) + [0])
            // Bounded and never blocking (a FIFO dropped in the directory must not wedge the
            // reloader); a file that cannot be read is hashed by its error, so fixing it is a change.
            do {
                hasher.update(
                    data: try BoundedFile.contents(of: (directory as NSString).appendingPathComponent(name), limit: BoundedFile.secretLimit)
                )
            } catch {
                hasher.update(data: [1] + Array("\(error)".utf8))
            }
            hasher.update(data: [0])
        }
        return Array(hasher.finalize())
    }
}
