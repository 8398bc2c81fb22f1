/// Creates a webhook with a known secret and stores the secret where the bridge reads it,
/// recovering from a lost answer: after a failure that may have hidden a success (no answer, a
/// 5xx), Malomo is asked again, and a webhook that appeared for the topic and URL was made with
/// this secret, so it is kept.
struct WebhookCreation {
    let client: MalomoAPIClient
    let warn: @Sendable (String) -> Void

    /// Creates the webhook; `before` is the ids Malomo listed before, to tell a new one apart.
    func create(topic: String, url: String, secret: String, active: Bool = true, before: Set<String>) async throws(MalomoAPIError) -> MalomoWebhook {
        do {
            return try await self.client.createWebhook(topic: topic, url: url, secret: secret, active: active)
        } catch let error where error.kind == .transport || (error.status ?? 0) >= 500 {
            let appeared = try await self.client.listWebhooks().webhooks.filter {
                $0.topic == topic && $0.url == url && !before.contains($0.id)
            }
            guard appeared.count == 1 else {
                var failed = error
                failed.message += failed.message.isEmpty ? "" : "; "
                failed.message +=
                    "Malomo now lists \(appeared.count) new webhooks for \(topic) at this URL; check `malomo-admin webhooks list` before re-running"
                throw failed
            }
            self.warn("creating the \(topic) webhook failed (\(error)) but Malomo now lists \(appeared[0].id), created with this secret: keeping it")
            return appeared[0]
        }
    }

    /// Makes sure a new webhook's secret is stored (and carried on by `--on-change`); when it
    /// cannot be, deletes the webhook at Malomo (its deliveries could never be verified) and its
    /// file, and throws.
    func store(_ webhook: MalomoWebhook, secret: String, in directory: SecretsDirectory?) async throws {
        guard let directory else { return }
        do {
            try directory.write(id: webhook.id, secret: secret, comment: "malomo-admin: \(webhook.topic) -> \(webhook.url)")
        } catch {
            try? directory.remove(id: webhook.id, propagating: false)
            do {
                try await self.client.deleteWebhook(id: webhook.id)
            } catch let deleteError {
                throw AdminError("\(error); deleting webhook \(webhook.id) at Malomo failed too (\(deleteError)): delete it by hand")
            }
            throw AdminError("\(error); webhook \(webhook.id) was deleted at Malomo again")
        }
    }
}
