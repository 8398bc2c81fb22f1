/// Refuses a secrets directory that lacks the secret of an active webhook at the bridge's URL.
///
/// Such a directory is the wrong one (a fresh checkout, another operator's copy): applied as a
/// whole (`--on-change`, a Secret made from it), it would remove live secrets from the bridge
/// and every delivery through those webhooks would be refused.
enum SecretsGuard {
    static func check(_ directory: SecretsDirectory, webhooks: [MalomoWebhook], url: String) throws {
        guard directory.onChange != nil else { return }
        let files = try directory.webhookIDs()
        let missing = webhooks.filter { $0.active && WebhookURL.same($0.url, url) && !files.contains($0.id) }
        guard missing.isEmpty else {
            throw AdminError(
                "--secrets-dir '\(directory.path)' lacks the secret of active webhooks \(missing.map { "\($0.id) (\($0.topic))" }.joined(separator: ", ")): --on-change would remove them from the bridge; use the directory that holds them (nothing was changed)"
            )
        }
    }
}
