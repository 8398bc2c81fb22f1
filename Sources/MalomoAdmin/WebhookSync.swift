import Foundation

/// `webhooks sync`: makes Malomo hold exactly one active webhook per requested topic at the
/// bridge's URL, and the bridge the secret of every webhook it creates, before that webhook
/// delivers anything.
///
/// Order: new webhooks are created inactive; their secrets are stored (files and
/// `--on-change`, or the printed manifest); with a probe, every replica must list them; only
/// then are they (and reactivated ones) activated; deletions come last.
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
        /// Who must have loaded new secrets before their webhooks are activated (required with
        /// `kubernetesSecret`).
        public var probe: BridgeReplicaProbe?
        /// How long to wait for the replicas.
        public var waitTimeout: Duration = .seconds(300)

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
    }

    let client: MalomoAPIClient
    let say: @Sendable (String) -> Void
    let warn: @Sendable (String) -> Void
    let emitManifest: @Sendable (String) -> Void

    /// Creates a sync that reports progress through `say`, warnings through `warn`, and hands a
    /// Secret manifest to `emitManifest` (before any webhook it holds is activated).
    public init(
        client: MalomoAPIClient,
        say: @escaping @Sendable (String) -> Void,
        warn: @escaping @Sendable (String) -> Void,
        emitManifest: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.client = client
        self.say = say
        self.warn = warn
        self.emitManifest = emitManifest
    }

    /// Runs it.
    /// - Throws: ``AdminError`` or ``MalomoAPIError``; what was done before is in the output.
    public func run(_ options: Options) async throws -> Report {
        let listing = try await self.client.listWebhooks()
        if listing.skipped > 0 { self.warn("\(listing.skipped) webhooks in Malomo's list have no id and were ignored") }
        let manifestMode = options.kubernetesSecret != nil
        let fileDirectory = manifestMode ? nil : options.secretsDirectory
        if let directory = fileDirectory {
            try SecretsGuard.check(directory, webhooks: listing.webhooks, url: options.url)
        }
        var known = try options.secretsDirectory?.webhookIDs()
        if let probe = options.probe {
            known = (known ?? []).union(try await probe.loadedByAll())
        }
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
        if options.dryRun {
            for action in plan.actions {
                switch action {
                case .create(let topic): self.say("would create  \(topic)")
                case .reactivate(let webhook): self.say("would reactivate  \(webhook.topic)  \(webhook.id)")
                case .delete(let webhook): self.say("would delete  \(webhook.topic)  \(webhook.id)")
                }
            }
            return report
        }
        // 1. Create, inactive, and store each secret.
        let creation = WebhookCreation(client: self.client, warn: self.warn)
        var newSecrets: [String: String] = [:]
        var before = Set(listing.webhooks.map(\.id))
        for case .create(let topic) in plan.actions {
            let secret = WebhookSecretGenerator.make()
            let webhook = try await creation.create(topic: topic, url: options.url, secret: secret, before: before)
            before.insert(webhook.id)
            guard SecretsDirectory.isUsableFileName(webhook.id) else {
                try await self.client.deleteWebhook(id: webhook.id)
                throw AdminError("Malomo gave the new \(topic) webhook the id '\(webhook.id)', which cannot name a secret file; it was deleted again")
            }
            try await creation.store(webhook, secret: secret, in: fileDirectory)
            newSecrets[webhook.id] = secret
            report.created.append(webhook)
            let stored = fileDirectory.map { " (secret in \($0.file(webhook.id)))" } ?? ""
            self.say("created      \(topic)  \(webhook.id), inactive\(stored)")
        }
        // 2. The manifest, before anything it holds is activated.
        if let name = options.kubernetesSecret {
            self.emitManifest(self.manifest(name: name, options: options, plan: plan, newSecrets: newSecrets))
            self.say("printed the Secret manifest \(name); once it is applied and the bridge replicas load it, the new webhooks are activated")
        }
        // 3. The replicas hold every secret about to be used.
        let reactivated = plan.actions.compactMap(\.reactivated)
        let activating = report.created + reactivated
        if let probe = options.probe, !activating.isEmpty {
            try await ReplicaWait(probe: probe, timeout: options.waitTimeout, say: self.say).until(loaded: Set(activating.map(\.id)))
        }
        // 4. Activate.
        for webhook in activating {
            try await self.client.setWebhook(id: webhook.id, active: true)
            self.say("\(reactivated.contains(webhook) ? "reactivated" : "activated  ")  \(webhook.topic)  \(webhook.id)")
        }
        // 5. Delete.
        var removed: [String] = []
        for case .delete(let webhook) in plan.actions {
            try await self.client.deleteWebhook(id: webhook.id)
            removed.append(webhook.id)
            self.say("deleted      \(webhook.topic)  \(webhook.id)")
        }
        if let fileDirectory, !removed.isEmpty { try await fileDirectory.remove(ids: removed) }
        for webhook in plan.inPlace { self.say("in place     \(webhook.topic)  \(webhook.id)") }
        return report
    }

    private func manifest(name: String, options: Options, plan: WebhookSyncPlan, newSecrets: [String: String]) -> String {
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
        return KubernetesSecretManifest.yaml(name: name, namespace: options.kubernetesNamespace, secrets: secrets)
    }
}

extension WebhookSyncPlan.Action {
    var reactivated: MalomoWebhook? {
        if case .reactivate(let webhook) = self { return webhook }
        return nil
    }
}
