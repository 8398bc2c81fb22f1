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
            Creates the missing webhooks, each with a fresh 32-byte random secret written to \
            DIR/<webhook id> (mode 0600, atomically) before the command returns; reactivates \
            inactive ones whose secret is in DIR; with --prune deletes webhooks at URL for topics \
            not requested. A second run changes nothing and says so.
            """
    )

    @Option(help: "The bridge's public webhook URL, e.g. https://hooks.example.com/webhooks/malomo.") var url: String
    @Option(name: .customLong("secrets-dir"), help: "The bridge's MALOMO_WEBHOOK_SECRETS_DIR.") var secretsDir: String?
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
    @Flag(name: .shortAndLong, help: "Log each API request to standard error.") var verbose = false

    func validate() throws {
        if self.secretsDir == nil && self.kubernetesSecret == nil {
            throw ValidationError("give --secrets-dir DIR (files) or --kubernetes-secret NAME (a manifest)")
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
            let client = try AdminEnvironment.apiClient(logger: AdminEnvironment.logger(verbose: self.verbose))
            // With a manifest on standard output, progress goes to standard error.
            let toManifest = self.kubernetesSecret != nil
            let sync = WebhookSync(
                client: client,
                say: { toManifest ? FileHandle.standardError.write(Data(($0 + "\n").utf8)) : AdminEnvironment.say($0) },
                warn: AdminEnvironment.warn
            )
            let report = try await sync.run(options)
            if let manifest = report.manifest { FileHandle.standardOutput.write(Data(manifest.utf8)) }
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
            Per topic: creates the replacement webhook with a new secret, writes DIR/<new id>, waits \
            until every bridge replica lists the new id on its management port (GET /webhooks), then \
            deletes the old webhook and its file. A failure at any step leaves both webhooks valid; \
            running the same command again resumes.
            """
    )

    @Option(help: "The bridge's public webhook URL.") var url: String
    @Option(name: .customLong("secrets-dir"), help: "The bridge's MALOMO_WEBHOOK_SECRETS_DIR, shared with every replica.") var secretsDir: String
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
    @Option(name: .customLong("wait-timeout"), help: "How long to wait for the replicas, e.g. 5m.") var waitTimeout = "5m"
    @Flag(name: .shortAndLong, help: "Log each API request to standard error.") var verbose = false

    func validate() throws {
        if self.bridgeManagement.isEmpty {
            throw ValidationError("give --bridge-management URL: who must load a new secret before the old webhook goes")
        }
    }

    func run() async {
        do {
            let url = try AdminEnvironment.url(self.url, setting: "--url").absoluteString
            let management = try self.bridgeManagement.map { text in
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                    throw AdminEnvironment.SettingError(setting: "--bridge-management", message: "'\(text)' is not an http(s) URL")
                }
                return url
            }
            var options = WebhookRotation.Options(
                url: url,
                topics: try AdminEnvironment.topics(self.topics),
                secretsDirectory: try SecretsDirectory(path: self.secretsDir, onChange: self.onChange),
                probe: BridgeReplicaProbe(managementURLs: management)
            )
            options.waitTimeout = try AdminEnvironment.duration(self.waitTimeout, setting: "--wait-timeout")
            let client = try AdminEnvironment.apiClient(logger: AdminEnvironment.logger(verbose: self.verbose))
            let rotation = WebhookRotation(client: client, say: AdminEnvironment.say, warn: AdminEnvironment.warn)
            let rotated = try await rotation.run(options)
            AdminEnvironment.say("rotated \(rotated.count) topics")
        } catch {
            AdminEnvironment.fail(error)
        }
    }
}
