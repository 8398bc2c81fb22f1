/// Refuses a secrets directory that lacks the secret of an active webhook at the bridge's URL.
///
/// Such a directory is the wrong one (a fresh checkout, another operator's copy): applied as a
/// whole (`--on-change`, a Secret made from it), it would remove live secrets from the bridge
/// and every delivery through those webhooks would be refused.
///
/// It applies when the directory is applied as a whole: with `--on-change`, and for a Secret
/// manifest. `allowing` lists webhooks known to be verified another way (the bridge's
/// `MALOMO_WEBHOOK_SECRET`), which the operator confirms with `--allow-missing-secrets`.
enum SecretsGuard {
    static func check(_ directory: SecretsDirectory, webhooks: [MalomoWebhook], url: String, wholeDirectoryApplied: Bool, allowMissing: Bool) throws {
        guard wholeDirectoryApplied, !allowMissing else { return }
        let files = try directory.webhookIDs()
        let missing = webhooks.filter { $0.active && WebhookURL.same($0.url, url) && !files.contains($0.id) }
        guard missing.isEmpty else {
            throw AdminError(
                "--secrets-dir '\(directory.path)' lacks the secret of active webhooks \(missing.map { "\($0.id) (\($0.topic))" }.joined(separator: ", ")): applied as a whole, it would remove them from the bridge; use the directory that holds them, or --allow-missing-secrets if the bridge verifies them with MALOMO_WEBHOOK_SECRET (nothing was changed)"
            )
        }
    }
}
