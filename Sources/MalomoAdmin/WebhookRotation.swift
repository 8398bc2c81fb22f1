import Foundation

/// `webhooks rotate`: replaces each topic's webhook with a new one holding a fresh secret,
/// without a moment in which the bridge refuses a delivery.
///
/// Per topic: create the replacement inactive (Malomo cannot change a secret, and an inactive
/// webhook delivers nothing the bridge could not verify yet), write its secret file, wait until
/// every bridge replica has loaded it, activate it, then delete the old webhook and its file.
/// Until the last step both webhooks are valid, so a failure anywhere leaves a working setup,
/// and re-running the same command resumes: an inactive webhook at the URL whose secret file
/// exists, or a second active one whose file exists, is a rotation in progress, and only the
/// remaining steps are taken.
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
        /// How often to ask them. Default: 1 s.
        public var pollInterval: Duration = .seconds(1)

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
        for topic in options.topics {
            do {
                done.append(try await self.rotate(topic: topic, options: options))
            } catch {
                let finished = done.map(\.topic)
                throw AdminError(
                    "rotating \(topic) stopped: \(error)\nEvery webhook that was active still is, and its secret file is in place: no delivery is refused."
                        + (finished.isEmpty ? "" : "\nAlready rotated: \(finished.joined(separator: ", ")).")
                        + "\nTo resume, run the same command again."
                )
            }
        }
        return done
    }

    private func rotate(topic: String, options: Options) async throws -> Rotated {
        let listing = try await self.client.listWebhooks()
        let active = listing.webhooks.filter { $0.url == options.url && $0.topic == topic && $0.active }
            .sorted { ($0.createdAt ?? "", $0.id) < ($1.createdAt ?? "", $1.id) }
        guard !active.isEmpty else {
            throw AdminError("no active webhook delivers \(topic) to \(options.url): create one with `malomo-admin webhooks sync`")
        }
        let known = try options.secretsDirectory.webhookIDs()
        let pending = listing.webhooks.filter { $0.url == options.url && $0.topic == topic && !$0.active && known.contains($0.id) }
            .sorted { ($0.createdAt ?? "", $0.id) < ($1.createdAt ?? "", $1.id) }
        var old = active
        var replacement: MalomoWebhook
        if let newest = pending.last {
            replacement = newest
            self.say("resuming     \(topic)  replacement \(newest.id) exists (inactive); retiring \(old.map(\.id).joined(separator: ", "))")
        } else if active.count >= 2, let newest = active.last, known.contains(newest.id) {
            replacement = newest
            old.removeLast()
            self.say("resuming     \(topic)  replacement \(newest.id) exists; retiring \(old.map(\.id).joined(separator: ", "))")
        } else {
            let secret = WebhookSecretGenerator.make()
            let creation = WebhookCreation(client: self.client, warn: self.warn)
            replacement = try await creation.create(
                topic: topic,
                url: options.url,
                secret: secret,
                active: false,
                before: Set(listing.webhooks.map(\.id))
            )
            guard SecretsDirectory.isUsableFileName(replacement.id) else {
                try await self.client.deleteWebhook(id: replacement.id)
                throw AdminError("Malomo gave the new webhook the id '\(replacement.id)', which cannot name a secret file; it was deleted again")
            }
            try await creation.store(replacement, secret: secret, in: options.secretsDirectory)
            self.say("created      \(topic)  \(replacement.id), inactive (secret in \(options.secretsDirectory.file(replacement.id)))")
        }
        try await self.waitUntilLoaded(replacement.id, options: options)
        if !replacement.active {
            try await self.client.setWebhook(id: replacement.id, active: true)
            replacement.active = true
            self.say("activated    \(topic)  \(replacement.id)")
        }
        for webhook in old {
            try await self.client.deleteWebhook(id: webhook.id)
            try options.secretsDirectory.remove(id: webhook.id)
            self.say("deleted      \(topic)  \(webhook.id) (and its secret file)")
        }
        return Rotated(topic: topic, old: old, replacement: replacement)
    }

    private func waitUntilLoaded(_ id: String, options: Options) async throws {
        let deadline = ContinuousClock.now + options.waitTimeout
        var lastMissing: [String] = []
        while true {
            let replicas = try await options.probe.replicas()
            let missing = replicas.filter { !($0.webhookIDs?.contains(id) ?? false) }
            if !replicas.isEmpty, missing.isEmpty {
                self.say("loaded       \(id) by all \(replicas.count) bridge replicas (\(replicas.map(\.address).joined(separator: ", ")))")
                return
            }
            lastMissing = missing.map { "\($0.address)\($0.problem.map { " (\($0))" } ?? " (not loaded yet)")" }
            guard ContinuousClock.now < deadline else {
                throw AdminError(
                    "after \(options.waitTimeout), these bridge replicas have not loaded webhook \(id): \(lastMissing.joined(separator: ", ")); check that they mount \(options.secretsDirectory.path)"
                )
            }
            try await Task.sleep(for: options.pollInterval)
        }
    }
}
