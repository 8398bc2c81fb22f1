/// Creates a webhook **inactive** with a known secret (an inactive webhook delivers nothing, so
/// no delivery can arrive before the bridge holds the secret), and stores the secret where the
/// bridge reads it. A lost answer is recovered: after a failure that may hide a success (no
/// answer, a 5xx, an answer that does not parse), Malomo is asked again, and the one new
/// webhook for the topic and URL was made with this secret, so it is kept.
struct WebhookCreation {
    let client: MalomoAPIClient
    let warn: @Sendable (String) -> Void

    /// Creates the webhook; `before` is the ids Malomo listed before, to tell a new one apart.
    func create(topic: String, url: String, secret: String, before: Set<String>) async throws(MalomoAPIError) -> MalomoWebhook {
        let webhook: MalomoWebhook
        do {
            webhook = try await self.client.createWebhook(topic: topic, url: url, secret: secret, active: false)
        } catch let error where error.kind == .transport || error.kind == .unexpectedResponse || (error.status ?? 0) >= 500 {
            let appeared = try await self.client.listWebhooks().webhooks.filter {
                $0.topic == topic && WebhookURL.same($0.url, url) && !before.contains($0.id)
            }
            guard appeared.count == 1 else {
                var failed = error
                failed.message += failed.message.isEmpty ? "" : "; "
                failed.message +=
                    "Malomo now lists \(appeared.count) new webhooks for \(topic) at this URL (inactive ones without a secret file are removed by the next `webhooks sync`)"
                throw failed
            }
            self.warn("creating the \(topic) webhook failed (\(error)) but Malomo now lists \(appeared[0].id), created with this secret: keeping it")
            webhook = appeared[0]
        }
        guard webhook.topic == topic, WebhookURL.same(webhook.url, url) else {
            throw MalomoAPIError(
                kind: .unexpectedResponse,
                message:
                    "Malomo stored the new webhook \(webhook.id) as topic '\(webhook.topic)', url '\(webhook.url)' (asked for \(topic), \(url)); it is inactive: check and delete it"
            )
        }
        return webhook
    }

    /// Makes sure a new webhook's secret is stored (and carried on by `--on-change`); when it
    /// cannot be, deletes the webhook at Malomo (its deliveries could never be verified) and its
    /// file, and throws.
    func store(_ webhook: MalomoWebhook, secret: String, in directory: SecretsDirectory?, replacing: [String] = []) async throws {
        guard let directory else { return }
        do {
            try await directory.write(
                id: webhook.id,
                secret: secret,
                comment: "malomo-admin: \(webhook.topic) -> \(webhook.url)",
                replacing: replacing
            )
        } catch {
            try? await directory.remove(ids: [webhook.id], propagating: false)
            do {
                try await self.client.deleteWebhook(id: webhook.id)
            } catch let deleteError {
                throw AdminError("\(error); deleting webhook \(webhook.id) at Malomo failed too (\(deleteError)): it is inactive; delete it by hand")
            }
            throw AdminError("\(error); webhook \(webhook.id) was deleted at Malomo again")
        }
    }
}
