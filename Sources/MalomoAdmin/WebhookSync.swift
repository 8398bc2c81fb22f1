import Foundation

/// `webhooks sync`: makes Malomo hold exactly one active webhook per requested topic at the
/// bridge's URL, and the bridge's secrets directory (or a Kubernetes Secret) the secret of
/// every webhook it creates.
public struct WebhookSync: Sendable {
    /// What to sync.
    public struct Options: Sendable {
        /// The bridge's public webhook URL.
        public var url: String
        /// The Malomo topics to hold a webhook for.
        public var topics: [String]
        /// Also delete webhooks at `url` whose topic is not in `topics`.
        public var prune = false
        /// Print the plan, change nothing.
        public var dryRun = false
        /// Where secrets are written (or, with `kubernetesSecret`, read from for the manifest).
        public var secretsDirectory: SecretsDirectory?
        /// Print a Secret manifest with this name instead of writing files.
        public var kubernetesSecret: String?
        /// The manifest's namespace, if any.
        public var kubernetesNamespace: String?

        /// Creates options.
        public init(url: String, topics: [String]) {
            self.url = url
            self.topics = topics
        }
    }

    /// What a sync did.
    public struct Report: Sendable {
        /// The plan it carried out (or, with `dryRun`, would have).
        public var plan: WebhookSyncPlan
        /// The webhooks it created.
        public var created: [MalomoWebhook] = []
        /// The Secret manifest, with `kubernetesSecret`.
        public var manifest: String?
    }

    let client: MalomoAPIClient
    let say: @Sendable (String) -> Void
    let warn: @Sendable (String) -> Void

    /// Creates a sync that reports progress through `say` and warnings through `warn`.
    public init(client: MalomoAPIClient, say: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.say = say
        self.warn = warn
    }

    /// Runs it.
    public func run(_ options: Options) async throws -> Report {
        let listing = try await self.client.listWebhooks()
        if listing.skipped > 0 { self.warn("\(listing.skipped) webhooks in Malomo's list have no id and were ignored") }
        let known = try options.secretsDirectory?.webhookIDs()
        let plan = WebhookSyncPlan.make(
            existing: listing.webhooks,
            url: options.url,
            topics: options.topics,
            prune: options.prune,
            knownSecrets: known
        )
        plan.warnings.forEach(self.warn)
        var report = Report(plan: plan)
        if plan.actions.isEmpty {
            self.say("nothing to change: \(options.topics.count) topics already have an active webhook at \(options.url)")
        }
        let creation = WebhookCreation(client: self.client, warn: self.warn)
        let fileDirectory = options.kubernetesSecret == nil ? options.secretsDirectory : nil
        var newSecrets: [String: String] = [:]
        var before = Set(listing.webhooks.map(\.id))
        for action in plan.actions {
            switch action {
            case .create(let topic):
                if options.dryRun {
                    self.say("would create  \(topic)")
                    continue
                }
                let secret = WebhookSecretGenerator.make()
                let webhook = try await creation.create(topic: topic, url: options.url, secret: secret, before: before)
                before.insert(webhook.id)
                guard SecretsDirectory.isUsableFileName(webhook.id) else {
                    try await self.client.deleteWebhook(id: webhook.id)
                    throw AdminError(
                        "Malomo gave the new \(topic) webhook the id '\(webhook.id)', which cannot name a secret file; it was deleted again"
                    )
                }
                try await creation.store(webhook, secret: secret, in: fileDirectory)
                newSecrets[webhook.id] = secret
                report.created.append(webhook)
                let stored = fileDirectory.map { " (secret in \(($0.path as NSString).appendingPathComponent(webhook.id)))" } ?? ""
                self.say("created      \(topic)  \(webhook.id)\(stored)")
            case .reactivate(let webhook):
                if options.dryRun {
                    self.say("would reactivate  \(webhook.topic)  \(webhook.id)")
                    continue
                }
                try await self.client.setWebhook(id: webhook.id, active: true)
                self.say("reactivated  \(webhook.topic)  \(webhook.id)")
            case .delete(let webhook):
                if options.dryRun {
                    self.say("would delete  \(webhook.topic)  \(webhook.id)")
                    continue
                }
                try await self.client.deleteWebhook(id: webhook.id)
                try fileDirectory?.remove(id: webhook.id)
                self.say("deleted      \(webhook.topic)  \(webhook.id)")
            }
        }
        for webhook in plan.inPlace { self.say("in place     \(webhook.topic)  \(webhook.id)") }
        if let name = options.kubernetesSecret {
            var secrets = newSecrets
            for webhook in plan.inPlace + plan.actions.compactMap(\.reactivated) where secrets[webhook.id] == nil {
                if let lines = options.secretsDirectory?.secrets(of: webhook.id) {
                    secrets[webhook.id] = lines.joined(separator: "\n")
                } else {
                    self.warn(
                        "the manifest has no key for webhook \(webhook.id) (\(webhook.topic)): its secret is not in --secrets-dir; applying the manifest would drop it from the Secret"
                    )
                }
            }
            for id in secrets.keys where !KubernetesSecretManifest.isValidKey(id) {
                self.warn("webhook id '\(id)' cannot be a Secret key; left out of the manifest")
                secrets[id] = nil
            }
            report.manifest =
                options.dryRun ? nil : KubernetesSecretManifest.yaml(name: name, namespace: options.kubernetesNamespace, secrets: secrets)
        }
        return report
    }
}

extension WebhookSyncPlan.Action {
    var reactivated: MalomoWebhook? {
        if case .reactivate(let webhook) = self { return webhook }
        return nil
    }
}
