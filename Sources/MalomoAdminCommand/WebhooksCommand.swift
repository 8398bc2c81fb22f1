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
                try AdminEnvironment.sayJSON(webhooks, pretty: true)
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
            webhooks whose secret file exists, deletes inactive ones without one, and with --prune \
            deletes webhooks at URL for topics not requested. A second run changes nothing and \
            says so.
            """
    )

    @OptionGroup var target: WebhookTargetOptions
    @OptionGroup var secrets: SecretsOptions
    @OptionGroup var replicas: ReplicaOptions
    @Flag(help: "Also delete webhooks at URL whose topic was not requested.") var prune = false
    @Flag(name: .customLong("dry-run"), help: "Print what would change; change nothing.") var dryRun = false
    @Option(
        name: .customLong("kubernetes-secret"),
        help:
            "Also print a Secret manifest with this name: every secret in --secrets-dir of the webhooks at URL (keys = webhook ids), for `| kubectl apply -f -`; needs --bridge-management."
    )
    var kubernetesSecret: String?
    @Option(help: "The manifest's namespace.") var namespace: String?
    @Flag(name: .shortAndLong, help: "Log each API request to standard error.") var verbose = false

    func validate() throws {
        if self.kubernetesSecret != nil && self.replicas.bridgeManagement.isEmpty {
            throw ValidationError(
                "--kubernetes-secret needs --bridge-management: the new webhooks are activated only once the bridge has the applied Secret"
            )
        }
        if self.kubernetesSecret != nil && self.secrets.onChange != nil {
            throw ValidationError("--on-change and --kubernetes-secret are two ways to carry the secrets: choose one")
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
            var options = WebhookSync.Options(url: try self.target.checkedURL(), topics: try self.target.checkedTopics())
            options.prune = self.prune
            options.dryRun = self.dryRun
            options.secretsDirectory = try self.secrets.directory()
            options.allowMissingSecrets = self.secrets.allowMissingSecrets
            options.kubernetesSecret = self.kubernetesSecret
            options.kubernetesNamespace = self.namespace
            options.probe = try self.replicas.probe()
            options.waitTimeout = try self.replicas.timeout()
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
            still the old ones) on its management port (GET /webhooks), activates it, then deletes \
            the old webhook and its file. A failure before the deletion leaves both webhooks valid; \
            running the same command again resumes from the record.
            """
    )

    @OptionGroup var target: WebhookTargetOptions
    @OptionGroup var secrets: SecretsOptions
    @OptionGroup var replicas: ReplicaOptions
    @Flag(name: .shortAndLong, help: "Log each API request to standard error.") var verbose = false

    func validate() throws {
        if self.replicas.bridgeManagement.isEmpty {
            throw ValidationError("give --bridge-management URL: who must load a new secret before the old webhook goes")
        }
    }

    func run() async {
        do {
            guard let probe = try self.replicas.probe() else { throw ValidationError("--bridge-management is required") }
            var options = WebhookRotation.Options(
                url: try self.target.checkedURL(),
                topics: try self.target.checkedTopics(),
                secretsDirectory: try self.secrets.directory(),
                probe: probe
            )
            options.waitTimeout = try self.replicas.timeout()
            options.allowMissingSecrets = self.secrets.allowMissingSecrets
            let client = try AdminEnvironment.apiClient(logger: AdminEnvironment.logger(verbose: self.verbose))
            let rotation = WebhookRotation(client: client, say: AdminEnvironment.say, warn: AdminEnvironment.warn)
            let rotated = try await rotation.run(options)
            AdminEnvironment.say("rotated \(rotated.count) topics")
        } catch {
            AdminEnvironment.fail(error)
        }
    }
}
