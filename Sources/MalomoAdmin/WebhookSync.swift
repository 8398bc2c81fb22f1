import Foundation

/// `webhooks sync`: makes Malomo hold exactly one active webhook per requested topic at the
/// bridge's URL, and the bridge the secret of every webhook it creates, before that webhook
/// delivers anything.
///
/// Order: new webhooks are created inactive; their secrets are stored (files, carried by
/// `--on-change`; with `kubernetesSecret` a manifest of the whole directory is printed); with a
/// probe, every replica must list them; only then are they (and reactivated ones) activated;
/// deletions come last.
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
        /// Where secrets are kept (required with `kubernetesSecret`, whose manifest is made from it).
        public var secretsDirectory: SecretsDirectory?
        /// Also print a Secret manifest with this name: every secret of the webhooks at `url`.
        public var kubernetesSecret: String?
        /// The manifest's namespace, if any.
        public var kubernetesNamespace: String?
        /// Who must have loaded new secrets before their webhooks are activated (required with
        /// `kubernetesSecret`).
        public var probe: BridgeReplicaProbe?
        /// How long to wait for the replicas.
        public var waitTimeout: Duration = .seconds(300)
        /// Active webhooks without a secret file are verified another way (`MALOMO_WEBHOOK_SECRET`):
        /// applying the directory as a whole is allowed anyway.
        public var allowMissingSecrets = false

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
        let fileDirectory = options.secretsDirectory
        if let directory = fileDirectory {
            try SecretsGuard.check(
                directory,
                webhooks: listing.webhooks,
                url: options.url,
                wholeDirectoryApplied: directory.onChange != nil || options.kubernetesSecret != nil,
                allowMissing: options.allowMissingSecrets
            )
        }
        let known = try fileDirectory?.webhookIDs()
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
            report.created.append(webhook)
            let stored = fileDirectory.map { " (secret in \($0.file(webhook.id)))" } ?? ""
            self.say("created      \(topic)  \(webhook.id), inactive\(stored)")
        }
        // 2. The manifest, before anything it holds is activated.
        if let name = options.kubernetesSecret, let directory = fileDirectory {
            self.emitManifest(
                try self.manifest(name: name, options: options, directory: directory, webhooks: listing.webhooks + report.created, plan: plan)
            )
            self.say("printed the Secret manifest \(name); once it is applied and the bridge replicas load it, the new webhooks are activated")
        }
        // 3. The replicas hold every secret about to be used. A reactivated webhook's file may
        // never have been carried (an earlier run stopped before --on-change ended): carry it.
        let reactivated = plan.actions.compactMap(\.reactivated)
        let activating = report.created + reactivated
        if !reactivated.isEmpty, let directory = fileDirectory { try await directory.propagate() }
        if options.probe == nil, !activating.isEmpty, fileDirectory?.onChange != nil {
            self.warn(
                "without --bridge-management the webhooks are activated as soon as --on-change returned: deliveries may be refused until every replica reloaded its secrets"
            )
        }
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

    /// The Secret: every secret in the directory of the webhooks at the URL that stay (all
    /// topics, not only the requested ones), so applying it as a whole removes nothing live.
    private func manifest(
        name: String,
        options: Options,
        directory: SecretsDirectory,
        webhooks: [MalomoWebhook],
        plan: WebhookSyncPlan
    ) throws -> String {
        let deleted = Set(
            plan.actions.compactMap { action -> String? in
                if case .delete(let webhook) = action { return webhook.id }
                return nil
            }
        )
        var secrets: [String: String] = [:]
        for webhook in webhooks where WebhookURL.same(webhook.url, options.url) && !deleted.contains(webhook.id) {
            guard let lines = directory.secrets(of: webhook.id) else { continue }
            guard KubernetesSecretManifest.isValidKey(webhook.id) else {
                self.warn("webhook id '\(webhook.id)' cannot be a Secret key; left out of the manifest")
                continue
            }
            secrets[webhook.id] = lines.joined(separator: "\n")
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
