import Foundation

/// `webhooks rotate`: replaces each topic's webhook with a new one holding a fresh secret,
/// without a moment in which the bridge refuses a delivery.
///
/// Per topic: create the replacement inactive (Malomo cannot change a secret, and an inactive
/// webhook delivers nothing the bridge could not verify yet), write its secret file with a
/// `# replaces: <old ids>` line, wait until every bridge replica has loaded it (and still holds
/// the old ones), activate it, then delete the old webhooks and their files. Until the
/// deletion both are valid, so a failure anywhere before it leaves a working setup. Re-running
/// the same command resumes from the `# replaces:` record, never from guesses about creation
/// times: an inactive or second active replacement is finished, and files of old webhooks
/// already deleted at Malomo are removed.
public struct WebhookRotation: Sendable {
    /// What to rotate.
    public struct Options: Sendable {
        /// The bridge's public webhook URL.
        public var url: String
        /// The topics whose webhook is replaced.
        public var topics: [String]
        /// Where the secrets are.
        public var secretsDirectory: SecretsDirectory
        /// Who must have loaded a new secret before the old webhook goes.
        public var probe: BridgeReplicaProbe
        /// How long to wait for the replicas. Default: 5 minutes.
        public var waitTimeout: Duration = .seconds(300)
        /// Active webhooks without a secret file are verified another way (`MALOMO_WEBHOOK_SECRET`):
        /// `--on-change` may apply the directory anyway.
        public var allowMissingSecrets = false

        /// Creates options.
        public init(url: String, topics: [String], secretsDirectory: SecretsDirectory, probe: BridgeReplicaProbe) {
            self.url = url
            self.topics = topics
            self.secretsDirectory = secretsDirectory
            self.probe = probe
        }
    }

    /// One topic's rotation.
    public struct Rotated: Sendable {
        /// The topic.
        public var topic: String
        /// The webhooks deleted.
        public var old: [MalomoWebhook]
        /// The webhook that replaced them.
        public var replacement: MalomoWebhook
    }

    let client: MalomoAPIClient
    let say: @Sendable (String) -> Void
    let warn: @Sendable (String) -> Void

    /// Creates a rotation that reports progress through `say` and warnings through `warn`.
    public init(client: MalomoAPIClient, say: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.say = say
        self.warn = warn
    }

    /// Rotates every requested topic, one after another.
    /// - Throws: ``AdminError`` saying what state was left and how to resume.
    public func run(_ options: Options) async throws -> [Rotated] {
        var done: [Rotated] = []
        let listing = try await self.client.listWebhooks()
        try SecretsGuard.check(
            options.secretsDirectory,
            webhooks: listing.webhooks,
            url: options.url,
            wholeDirectoryApplied: options.secretsDirectory.onChange != nil,
            allowMissing: options.allowMissingSecrets
        )
        for topic in options.topics {
            let progress = Progress()
            do {
                if let rotated = try await self.rotate(topic: topic, options: options, progress: progress) { done.append(rotated) }
            } catch {
                let state =
                    progress.deleting
                    ? "The old webhooks were being deleted at Malomo (the replacement \(progress.replacement ?? "?") is active and loaded): some old files may remain."
                    : "Every webhook that was active still is, and its secret file is in place: no delivery is refused."
                throw AdminError(
                    "rotating \(topic) stopped: \(error)\n\(state)"
                        + (done.isEmpty ? "" : "\nAlready rotated: \(done.map(\.topic).joined(separator: ", ")).")
                        + "\nTo resume, run the same command again."
                )
            }
        }
        return done
    }

    /// How far one topic got, for the error message.
    private final class Progress: @unchecked Sendable {
        // @unchecked: used by one task at a time (the rotation's), never shared.
        var replacement: String?
        var deleting = false
    }

    private func rotate(topic: String, options: Options, progress: Progress) async throws -> Rotated? {
        let directory = options.secretsDirectory
        let listing = try await self.client.listWebhooks()
        let forTopic = listing.webhooks.filter { WebhookURL.same($0.url, options.url) && $0.topic == topic }
        let files = try directory.webhookIDs()
        let listed = Set(listing.webhooks.map(\.id))
        // A rotation recorded earlier and not finished: a webhook of this topic whose file says
        // what it replaces, while one of those is still listed at Malomo or still has a file. (The
        // record stays in a finished replacement's file; it then matches neither.)
        let recorded = forTopic.filter { webhook in
            let replaced = directory.replacedIDs(of: webhook.id).subtracting([webhook.id])
            return files.contains(webhook.id) && (!replaced.isDisjoint(with: listed) || !replaced.isDisjoint(with: files))
        }
        guard recorded.count <= 1 else {
            throw AdminError(
                "several webhooks of \(topic) record a rotation (\(recorded.map(\.id).joined(separator: ", "))): finish by deleting the extra ones by hand"
            )
        }
        var replacement: MalomoWebhook
        var old: [MalomoWebhook]
        if let earlier = recorded.first, !(earlier.active && directory.replacedIDs(of: earlier.id).isDisjoint(with: listed)) {
            replacement = earlier
            old = forTopic.filter { directory.replacedIDs(of: earlier.id).contains($0.id) }
            self.say(
                "resuming     \(topic)  replacement \(earlier.id)\(earlier.active ? "" : " (inactive)"); retiring \(old.map(\.id).joined(separator: ", "))"
            )
            // The earlier run may have stopped before --on-change carried the file.
            try await directory.propagate()
        } else if let earlier = recorded.first, case let leftovers = directory.replacedIDs(of: earlier.id).intersection(files), !leftovers.isEmpty {
            // The old webhooks are gone at Malomo; only their files remain.
            try await directory.remove(ids: leftovers.sorted())
            self.say("finished     \(topic)  removed the files of \(leftovers.sorted().joined(separator: ", ")), deleted at Malomo earlier")
            return nil
        } else {
            old = forTopic.filter(\.active)
            guard !old.isEmpty else {
                throw AdminError("no active webhook delivers \(topic) to \(options.url): create one with `malomo-admin webhooks sync`")
            }
            let secret = WebhookSecretGenerator.make()
            let creation = WebhookCreation(client: self.client, warn: self.warn)
            replacement = try await creation.create(topic: topic, url: options.url, secret: secret, before: listed)
            guard SecretsDirectory.isUsableFileName(replacement.id) else {
                try await self.client.deleteWebhook(id: replacement.id)
                throw AdminError("Malomo gave the new webhook the id '\(replacement.id)', which cannot name a secret file; it was deleted again")
            }
            try await creation.store(replacement, secret: secret, in: directory, replacing: old.map(\.id))
            self.say("created      \(topic)  \(replacement.id), inactive (secret in \(directory.file(replacement.id)))")
        }
        progress.replacement = replacement.id
        // The replicas hold the new secret, and still the old ones they verify today.
        let mustHold = Set([replacement.id]).union(old.map(\.id).filter(files.contains))
        try await ReplicaWait(probe: options.probe, timeout: options.waitTimeout, say: self.say).until(loaded: mustHold)
        if !replacement.active {
            try await self.client.setWebhook(id: replacement.id, active: true)
            replacement.active = true
            self.say("activated    \(topic)  \(replacement.id)")
        }
        progress.deleting = true
        for webhook in old {
            try await self.client.deleteWebhook(id: webhook.id)
            self.say("deleted      \(topic)  \(webhook.id)")
        }
        let replaced = directory.replacedIDs(of: replacement.id).intersection(try directory.webhookIDs())
        if !replaced.isEmpty {
            try await directory.remove(ids: replaced.sorted())
            self.say("removed      \(topic)  the secret files of \(replaced.sorted().joined(separator: ", "))")
        }
        return Rotated(topic: topic, old: old, replacement: replacement)
    }
}
