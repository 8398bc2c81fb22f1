import ArgumentParser
import Foundation
import MalomoAdmin

/// `malomo-admin webhooks …`.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "List, register and rotate the Malomo webhooks that deliver to the bridge.",
        subcommands: [ListWebhooks.self, SyncWebhooks.self, RotateWebhooks.self]
    )
}

/// `webhooks list`.
struct ListWebhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show every webhook of the Malomo account.")

    @Flag(help: "One JSON array instead of a table.") var json = false
    @Flag(name: .shortAndLong, help: "Log each API request to standard error.") var verbose = false

    func run() async {
        do {
            let client = try AdminEnvironment.apiClient(logger: AdminEnvironment.logger(verbose: self.verbose))
            let listing = try await client.listWebhooks()
            if listing.skipped > 0 { AdminEnvironment.warn("\(listing.skipped) entries without an id were ignored") }
            let webhooks = listing.webhooks.sorted { ($0.topic, $0.url, $0.id) < ($1.topic, $1.url, $1.id) }
            if self.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                AdminEnvironment.say(String(decoding: try encoder.encode(webhooks), as: UTF8.self))
            } else {
                AdminEnvironment.say(WebhookTable.render(webhooks))
            }
        } catch {
            AdminEnvironment.fail(error)
        }
    }
}

/// `webhooks sync`.
struct SyncWebhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Make Malomo hold one active webhook per topic pointing at the bridge.",
        discussion: """
            Creates the missing webhooks inactive, each with a fresh 32-byte random secret written \
            to DIR/<webhook id> (mode 0600, atomically) and carried by --on-change, then activates \
            them (with --bridge-management, once every replica lists them). Reactivates inactive \
            webhooks whose secret is known, deletes inactive ones whose secret nobody holds, and \
            with --prune deletes webhooks at URL for topics not requested. A second run changes \
            nothing and says so.
            """
    )

    @Option(help: "The bridge's public webhook URL, e.g. https://hooks.example.com/webhooks/malomo.") var url: String
    @Option(
        name: .customLong("secrets-dir"),
        help: "Where the secrets are kept: the bridge's MALOMO_WEBHOOK_SECRETS_DIR, or a private directory that --on-change applies."
    )
    var secretsDir: String?
    @Option(
        name: .customLong("on-change"),
        help:
            "A shell command run after each change to --secrets-dir (MALOMO_SECRETS_DIR is set), e.g. to apply it as a Kubernetes Secret; a change counts only when it exits 0."
    )
    var onChange: String?
    @Option(help: "all (the seven documented topics) or a comma-separated list.") var topics = "all"
    @Flag(help: "Also delete webhooks at URL whose topic was not requested.") var prune = false
    @Flag(name: .customLong("dry-run"), help: "Print what would change; change nothing.") var dryRun = false
    @Option(
        name: .customLong("kubernetes-secret"),
        help:
            "Print a Secret manifest with this name (keys = webhook ids) instead of writing files; --secrets-dir, if given, supplies the secrets of webhooks already in place."
    )
    var kubernetesSecret: String?
    @Option(help: "The manifest's namespace.") var namespace: String?
    @Option(
        name: .customLong("bridge-management"),
        help:
            "A bridge management URL (repeatable): new webhooks are activated only once every replica lists them. Required with --kubernetes-secret."
    )
    var bridgeManagement: [String] = []
    @Option(name: .customLong("expect-replicas"), help: "Fail unless --bridge-management resolves to at least this many replicas.")
    var expectReplicas: Int?
    @Option(name: .customLong("wait-timeout"), help: "How long to wait for the replicas, e.g. 5m.") var waitTimeout = "5m"
    @Flag(
        name: .customLong("allow-missing-secrets"),
        help:
            "With --on-change (or --kubernetes-secret): apply the directory although an active webhook's secret is not in it (the bridge verifies it with MALOMO_WEBHOOK_SECRET)."
    )
    var allowMissingSecrets = false
    @Flag(name: .shortAndLong, help: "Log each API request to standard error.") var verbose = false

    func validate() throws {
        if self.kubernetesSecret != nil && self.secretsDir == nil {
            throw ValidationError("--kubernetes-secret needs --secrets-dir: the secrets are kept there, and the manifest is made from it")
        }
        if self.kubernetesSecret != nil && self.bridgeManagement.isEmpty {
            throw ValidationError(
                "--kubernetes-secret needs --bridge-management: the new webhooks are activated only once the bridge has the applied Secret"
            )
        }
        if let expected = self.expectReplicas, expected < 1 { throw ValidationError("--expect-replicas must be at least 1") }
        if self.secretsDir == nil {
            throw ValidationError("give --secrets-dir DIR: where the webhooks' secrets are kept")
        }
        if self.kubernetesSecret != nil && self.onChange != nil {
            throw ValidationError("--on-change goes with files (--secrets-dir), not with --kubernetes-secret")
        }
        if let name = self.kubernetesSecret, !KubernetesSecretManifest.isValidName(name) {
            throw ValidationError("--kubernetes-secret '\(name)' is not a Kubernetes name (lowercase letters, digits, '-', '.')")
        }
        if let namespace = self.namespace, !KubernetesSecretManifest.isValidName(namespace) {
            throw ValidationError("--namespace '\(namespace)' is not a Kubernetes name")
        }
    }

    func run() async {
        do {
            let url = try AdminEnvironment.url(self.url, setting: "--url").absoluteString
            var options = WebhookSync.Options(url: url, topics: try AdminEnvironment.topics(self.topics))
            options.prune = self.prune
            options.dryRun = self.dryRun
            options.secretsDirectory = try self.secretsDir.map { try SecretsDirectory(path: $0, onChange: self.onChange) }
            options.kubernetesSecret = self.kubernetesSecret
            options.kubernetesNamespace = self.namespace
            options.probe = try AdminEnvironment.probe(self.bridgeManagement, expectReplicas: self.expectReplicas)
            options.waitTimeout = try AdminEnvironment.duration(self.waitTimeout, setting: "--wait-timeout")
            options.allowMissingSecrets = self.allowMissingSecrets
            let client = try AdminEnvironment.apiClient(logger: AdminEnvironment.logger(verbose: self.verbose))
            // With a manifest on standard output, progress goes to standard error.
            let toManifest = self.kubernetesSecret != nil
            let sync = WebhookSync(
                client: client,
                say: { toManifest ? AdminEnvironment.note($0) : AdminEnvironment.say($0) },
                warn: AdminEnvironment.warn,
                emitManifest: { manifest in
                    // Closed at once, so that `| kubectl apply -f -` applies it while the sync
                    // waits for the replicas to load it.
                    FileHandle.standardOutput.write(Data(manifest.utf8))
                    let null = open("/dev/null", O_WRONLY)
                    if null >= 0 {
                        dup2(null, STDOUT_FILENO)
                        close(null)
                    }
                }
            )
            _ = try await sync.run(options)
        } catch {
            AdminEnvironment.fail(error)
        }
    }
}

/// `webhooks rotate`.
struct RotateWebhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Replace webhooks with new ones holding fresh secrets, refusing no delivery.",
        discussion: """
            Per topic: creates the replacement webhook inactive with a new secret, writes DIR/<new \
            id> (recording what it replaces), waits until every bridge replica lists the new id (and \
            still the old ones) on its management port (GET /webhooks), activates it, then deletes the old webhook and its \
            file. A failure before the deletion leaves both webhooks valid; running the same \
            command again resumes from the record.
            """
    )

    @Option(help: "The bridge's public webhook URL.") var url: String
    @Option(
        name: .customLong("secrets-dir"),
        help: "Where the secrets are kept: the bridge's MALOMO_WEBHOOK_SECRETS_DIR, or a private directory that --on-change applies."
    )
    var secretsDir: String
    @Option(
        name: .customLong("on-change"),
        help:
            "A shell command run after each change to --secrets-dir (MALOMO_SECRETS_DIR is set), e.g. to apply it as a Kubernetes Secret; a change counts only when it exits 0."
    )
    var onChange: String?
    @Option(help: "all (the seven documented topics) or a comma-separated list.") var topics = "all"
    @Option(
        name: .customLong("bridge-management"),
        help: "A bridge management URL (repeatable); its host name is resolved to every address, e.g. the chart's headless management Service."
    )
    var bridgeManagement: [String] = []
    @Option(name: .customLong("expect-replicas"), help: "Fail unless --bridge-management resolves to at least this many replicas.")
    var expectReplicas: Int?
    @Option(name: .customLong("wait-timeout"), help: "How long to wait for the replicas, e.g. 5m.") var waitTimeout = "5m"
    @Flag(
        name: .customLong("allow-missing-secrets"),
        help:
            "With --on-change (or --kubernetes-secret): apply the directory although an active webhook's secret is not in it (the bridge verifies it with MALOMO_WEBHOOK_SECRET)."
    )
    var allowMissingSecrets = false
    @Flag(name: .shortAndLong, help: "Log each API request to standard error.") var verbose = false

    func validate() throws {
        if self.bridgeManagement.isEmpty {
            throw ValidationError("give --bridge-management URL: who must load a new secret before the old webhook goes")
        }
        if let expected = self.expectReplicas, expected < 1 { throw ValidationError("--expect-replicas must be at least 1") }
    }

    func run() async {
        do {
            let url = try AdminEnvironment.url(self.url, setting: "--url").absoluteString
            let probe = try AdminEnvironment.probe(self.bridgeManagement, expectReplicas: self.expectReplicas)
            var options = WebhookRotation.Options(
                url: url,
                topics: try AdminEnvironment.topics(self.topics),
                secretsDirectory: try SecretsDirectory(path: self.secretsDir, onChange: self.onChange),
                probe: probe!
            )
            options.waitTimeout = try AdminEnvironment.duration(self.waitTimeout, setting: "--wait-timeout")
            options.allowMissingSecrets = self.allowMissingSecrets
            let client = try AdminEnvironment.apiClient(logger: AdminEnvironment.logger(verbose: self.verbose))
            let rotation = WebhookRotation(client: client, say: AdminEnvironment.say, warn: AdminEnvironment.warn)
            let rotated = try await rotation.run(options)
            AdminEnvironment.say("rotated \(rotated.count) topics")
        } catch {
            AdminEnvironment.fail(error)
        }
    }
}
