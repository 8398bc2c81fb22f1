import Foundation
import MalomoWebhookCore
import Synchronization

/// The secrets that may sign a webhook: defaults for every webhook id, plus per-id
/// secrets from a directory (one file per webhook id, one secret per line, `#` comments).
///
/// Lookups are lock-protected reads of an immutable snapshot, so a reload can swap the
/// whole set at once.
public final class WebhookSecretStore: Sendable {
    /// One consistent set of secrets.
    public struct Snapshot: Sendable {
        /// Accepted for every webhook id.
        public var defaults: [WebhookSecret]
        /// Accepted for one webhook id.
        public var byWebhookID: [String: [WebhookSecret]]

        /// Creates a snapshot.
        public init(defaults: [WebhookSecret], byWebhookID: [String: [WebhookSecret]] = [:]) {
            self.defaults = defaults
            self.byWebhookID = byWebhookID
        }

        /// Every secret, counted.
        public var count: Int { self.defaults.count + self.byWebhookID.values.reduce(0) { $0 + $1.count } }
    }

    private let current: Mutex<Snapshot>

    /// Creates a store holding `snapshot`.
    public init(_ snapshot: Snapshot) {
        self.current = Mutex(snapshot)
    }

    /// The secrets that may have signed a request from `webhookID`: its own, then the defaults.
    public func secrets(forWebhookID webhookID: String?) -> [WebhookSecret] {
        self.current.withLock { snapshot in
            guard let webhookID, let own = snapshot.byWebhookID[webhookID] else { return snapshot.defaults }
            return own + snapshot.defaults
        }
    }

    /// The snapshot in use.
    public var snapshot: Snapshot { self.current.withLock { $0 } }

    /// Replaces the secrets.
    public func replace(with snapshot: Snapshot) {
        self.current.withLock { $0 = snapshot }
    }

    /// Reads a secrets directory. Hidden entries (Kubernetes' `..data` links) are skipped, and so
    /// is a symlink pointing nowhere (Kubernetes removes a deleted key's link just after it swaps
    /// `..data`); each remaining entry must be a regular file named after its webhook id.
    ///
    /// - Throws: ``BridgeConfigurationError`` for `MALOMO_WEBHOOK_SECRETS_DIR` when the
    ///   directory cannot be read or holds more than 4096 entries, or an entry is not a regular
    ///   file (a directory, FIFO or device), is larger than 64 KiB, cannot be read (a symlink
    ///   loop, permissions), or holds no secret.
    public static func readDirectory(_ path: String) throws(BridgeConfigurationError) -> [String: [WebhookSecret]] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .init(setting: "MALOMO_WEBHOOK_SECRETS_DIR", message: "cannot read directory '\(path)'")
        }
        let visible = names.filter { !$0.hasPrefix(".") }
        guard visible.count <= BoundedFile.secretFilesLimit else {
            throw .init(
                setting: "MALOMO_WEBHOOK_SECRETS_DIR",
                message: "holds \(visible.count) entries, more than \(BoundedFile.secretFilesLimit) webhook ids"
            )
        }
        var result: [String: [WebhookSecret]] = [:]
        for name in visible.sorted() {
            let data: [UInt8]
            do {
                data = try BoundedFile.contents(of: (path as NSString).appendingPathComponent(name), limit: BoundedFile.secretLimit)
            } catch  where error.kind == .missing {
                continue
            } catch {
                throw .init(setting: "MALOMO_WEBHOOK_SECRETS_DIR", message: "secret file '\(name)' \(error)")
            }
            let secrets = String(decoding: data, as: UTF8.self)
                .split(whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
                .compactMap { WebhookSecret($0) }
            guard !secrets.isEmpty else {
                throw .init(setting: "MALOMO_WEBHOOK_SECRETS_DIR", message: "secret file '\(name)' holds no secret")
            }
            result[name] = secrets
        }
        return result
    }
}
