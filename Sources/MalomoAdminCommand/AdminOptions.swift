import ArgumentParser
import Foundation
import MalomoAdmin

/// `--url` and `--topics`: which webhooks a command manages.
struct WebhookTargetOptions: ParsableArguments {
    @Option(help: "The bridge's public webhook URL, e.g. https://hooks.example.com/webhooks/malomo.") var url: String
    @Option(help: "all (the seven documented topics) or a comma-separated list.") var topics = "all"

    /// The URL as checked (`https`, or `http` to localhost).
    func checkedURL() throws -> String { try AdminEnvironment.url(self.url, setting: "--url").absoluteString }

    /// The topics as checked.
    func checkedTopics() throws -> [String] { try AdminEnvironment.topics(self.topics) }
}

/// `--secrets-dir`, `--on-change`, `--allow-missing-secrets`: where the secrets are kept and how
/// they reach the bridge.
struct SecretsOptions: ParsableArguments {
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
    @Flag(
        name: .customLong("allow-missing-secrets"),
        help:
            "Apply the directory as a whole (--on-change, --kubernetes-secret) although an active webhook's secret is not in it (the bridge verifies it with MALOMO_WEBHOOK_SECRET)."
    )
    var allowMissingSecrets = false

    /// The directory, opened (created when missing).
    func directory() throws -> SecretsDirectory { try SecretsDirectory(path: self.secretsDir, onChange: self.onChange) }
}

/// `--bridge-management`, `--expect-replicas`, `--wait-timeout`: who must have loaded a secret
/// before its webhook is used, and for how long to wait.
struct ReplicaOptions: ParsableArguments {
    @Option(
        name: .customLong("bridge-management"),
        help:
            "A bridge management URL (repeatable); its host name is resolved to every address, e.g. the chart's headless <release>-management Service on port 9090."
    )
    var bridgeManagement: [String] = []
    @Option(name: .customLong("expect-replicas"), help: "Fail unless --bridge-management resolves to at least this many replicas.")
    var expectReplicas: Int?
    @Option(name: .customLong("wait-timeout"), help: "How long to wait for the replicas, e.g. 5m.") var waitTimeout = "5m"

    func validate() throws {
        if let expected = self.expectReplicas, expected < 1 { throw ValidationError("--expect-replicas must be at least 1") }
    }

    /// The probe; `nil` without `--bridge-management`.
    func probe() throws -> BridgeReplicaProbe? { try AdminEnvironment.probe(self.bridgeManagement, expectReplicas: self.expectReplicas) }

    /// `--wait-timeout`, parsed.
    func timeout() throws -> Duration { try AdminEnvironment.duration(self.waitTimeout, setting: "--wait-timeout") }
}
