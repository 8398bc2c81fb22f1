import Foundation
import KafkaWire
import Logging
import MalomoContract
import MalomoFakeAPI
import MalomoTestSupport
import MalomoWebhookCore
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `malomo-admin webhooks …` end to end: the real binary against the fake Malomo API, with a
/// real bridge process reading the secrets directory it writes.
@Suite struct AdminWebhookTests {
    static let path = "/webhooks/malomo"

    /// What every rotation test starts from: the fake API, a secrets directory, a mock cluster,
    /// and the webhook URL of a bridge port chosen in advance (the URL is registered before the
    /// bridge starts).
    struct Scenario {
        let api: FakeMalomoAPI
        let directory: String
        let cluster: MockKafkaCluster
        let port: Int
        var url: String { "http://127.0.0.1:\(self.port)\(AdminWebhookTests.path)" }

        init() async throws {
            self.api = try await FakeMalomoAPI()
            self.directory = try AdminWebhookTests.directory()
            self.cluster = try AdminWebhookTests.cluster()
            self.port = try Executables.freePort()
        }

        func tearDown() {
            try? FileManager.default.removeItem(atPath: self.directory)
            let api = self.api
            Task { await api.stop() }
        }
    }

    /// A temporary secrets directory.
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("admin-secrets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The secret lines of a file the tool wrote (its comment line skipped).
    static func secret(in directory: String, id: String) throws -> String {
        let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(id), encoding: .utf8)
        return try #require(text.split(separator: "\n").first { !$0.hasPrefix("#") }.map(String.init))
    }

    /// A bridge process on a mock cluster, reading `directory` every 200 ms.
    static func bridge(cluster: MockKafkaCluster, directory: String, extra: [String: String] = [:]) async throws -> BridgeProcess {
        try await BridgeProcess(
            environment: [
                "KAFKA_BROKERS": cluster.bootstrapServers,
                "MALOMO_WEBHOOK_SECRETS_DIR": directory,
                "MALOMO_SECRETS_RELOAD_INTERVAL_MS": "200",
            ].merging(extra) { _, new in new }
        )
    }

    static func cluster() throws -> MockKafkaCluster {
        var logger = Logger(label: "admin-test")
        logger.logLevel = .error
        let cluster = try MockKafkaCluster(brokerCount: 1, logger: logger)
        for topic in MalomoTopic.known { try cluster.createTopic(topic.kafkaTopic(), partitions: 1) }
        try cluster.createTopic("malomo.dead-letter", partitions: 1)
        return cluster
    }

    /// Posts one delivery as Malomo would through `webhook`: signed with its secret, its id in
    /// `Malomo-Webhook-Id`.
    static func deliver(port: Int, webhookID: String, secret: String, topic: String, body: String) async -> Int {
        let bytes = Array(body.utf8)
        let headers = [
            ("Content-Type", "application/json"), ("Malomo-Topic", topic), ("Malomo-Webhook-Id", webhookID), ("Malomo-Attempt-Number", "1"),
            ("Malomo-Signature", WebhookSignatureVerifier.sign(body: bytes, secret: WebhookSecret(secret)!)),
        ]
        switch await RawHTTPClient.post(port: port, path: path, headers: headers, body: bytes) {
        case .success(let response): return response.status
        case .failure: return 0
        }
    }

    /// The webhook ids a bridge lists on `GET /webhooks`.
    static func loadedIDs(managementPort: Int) async throws -> Set<String> {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(managementPort)/webhooks")!)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Set(object["webhook_ids"] as? [String] ?? [])
    }

    @Test(.timeLimit(.minutes(3))) func syncFromEmptyWritesEverySecretAndASecondRunChangesNothing() async throws {
        let api = try await FakeMalomoAPI()
        defer { Task { await api.stop() } }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let url = "http://127.0.0.1:18080\(Self.path)"

        let first = try await AdminProcess.run(["webhooks", "sync", "--url", url, "--secrets-dir", directory], api: api)
        #expect(first.status == 0, "\(first.output)")
        let webhooks = api.webhooks
        #expect(Set(webhooks.map(\.topic)) == FakeMalomoAPI.topics)
        #expect(webhooks.count == 7 && webhooks.allSatisfy { $0.active && $0.url == url })
        #expect(first.stdout.split(separator: "\n").filter { $0.hasPrefix("created") }.count == 7, "\(first.stdout)")
        for webhook in webhooks {
            let file = (directory as NSString).appendingPathComponent(webhook.id)
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let secret = try Self.secret(in: directory, id: webhook.id)
            #expect(secret == webhook.secret, "the file holds the secret Malomo was given")
            #expect(secret.count == 64 && secret.allSatisfy(\.isHexDigit))
        }
        #expect(Set(webhooks.compactMap(\.secret)).count == 7, "every webhook has its own secret")
        // No temporary file left behind.
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == Set(webhooks.map(\.id)))
        // Every request authenticated as documented; the key never printed.
        #expect(api.requests.allSatisfy { $0.authorization == "Bearer \(FakeMalomoAPI.apiKey)" })
        #expect(api.requests.allSatisfy { $0.accept == "application/vnd.malomo+json; version=2" })
        #expect(!first.output.contains(FakeMalomoAPI.apiKey))
        #expect(!webhooks.compactMap(\.secret).contains { first.output.contains($0) }, "no secret printed")

        let requestsBefore = api.requests.count
        let second = try await AdminProcess.run(["webhooks", "sync", "--url", url, "--secrets-dir", directory], api: api)
        #expect(second.status == 0, "\(second.output)")
        #expect(second.stdout.contains("nothing to change: 7 topics already have an active webhook"), "\(second.stdout)")
        #expect(api.requests.dropFirst(requestsBefore).allSatisfy { $0.method == "GET" }, "a second run only reads")
        #expect(api.webhooks.map(\.id) == webhooks.map(\.id))

        // An inactive webhook whose secret is known is reactivated, not replaced.
        let ordersCreated = try #require(webhooks.first { $0.topic == "orders:created" })
        let deactivated = try await Self.patch(api: api, id: ordersCreated.id, active: false)
        #expect(deactivated)
        let third = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:created"],
            api: api
        )
        #expect(third.status == 0, "\(third.output)")
        #expect(third.stdout.contains("reactivated  orders:created  \(ordersCreated.id)"), "\(third.stdout)")
        #expect(api.webhooks.count == 7 && api.webhooks.allSatisfy(\.active))

        // --prune with --dry-run says what it would delete and deletes nothing; then it deletes.
        let dry = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:created,orders:updated", "--prune", "--dry-run"],
            api: api
        )
        #expect(dry.status == 0, "\(dry.output)")
        #expect(dry.stdout.split(separator: "\n").filter { $0.hasPrefix("would delete") }.count == 5, "\(dry.stdout)")
        #expect(api.webhooks.count == 7)
        let prune = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:created,orders:updated", "--prune"],
            api: api
        )
        #expect(prune.status == 0, "\(prune.output)")
        #expect(Set(api.webhooks.map(\.topic)) == ["orders:created", "orders:updated"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == Set(api.webhooks.map(\.id)))

        // The list, as a table and as JSON, never shows a secret.
        let list = try await AdminProcess.run(["webhooks", "list", "--json"], api: api)
        #expect(list.status == 0)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(api.webhooks.map(\.id)))
        #expect(listed.allSatisfy { $0["secret"] == nil && $0["url"] as? String == url })
        let table = try await AdminProcess.run(["webhooks", "list"], api: api)
        #expect(table.stdout.hasPrefix("ID") && table.stdout.contains("orders:updated"))
    }

    static func patch(api: FakeMalomoAPI, id: String, active: Bool) async throws -> Bool {
        var request = URLRequest(url: URL(string: "\(api.url)/webhooks/\(id)")!)
        request.httpMethod = "PATCH"
        request.setValue("Bearer \(FakeMalomoAPI.apiKey)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(#"{"active":\#(active)}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode == 200
    }

    /// `--kubernetes-secret`: the new webhooks are created inactive, the manifest is printed and
    /// standard output closed (for `| kubectl apply -f -`), and the webhooks are activated only
    /// once the bridge lists them: no delivery through them can be refused.
    @Test(.timeLimit(.minutes(3))) func kubernetesSecretManifestIsAppliedBeforeActivation() async throws {
        let scenario = try await Scenario()
        defer { scenario.tearDown() }
        let (api, directory, cluster, port, url) = (scenario.api, scenario.directory, scenario.cluster, scenario.port, scenario.url)
        let mounted = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: mounted) }
        // One webhook already in place with its file; the sync creates the other six.
        let first = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:created"],
            api: api
        )
        #expect(first.status == 0, "\(first.output)")
        let existing = try #require(api.webhooks.first)
        try FileManager.default.copyItem(
            atPath: (directory as NSString).appendingPathComponent(existing.id),
            toPath: (mounted as NSString).appendingPathComponent(existing.id)
        )
        let bridge = try await Self.bridge(cluster: cluster, directory: mounted, extra: ["HTTP_PORT": "\(port)"])
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        let activeWhenPrinted = Mutex<Int?>(nil)
        let result = try await AdminProcess.run(
            [
                "webhooks", "sync", "--url", url, "--secrets-dir", directory, "--kubernetes-secret", "malomo-webhooks", "--namespace", "shipping",
                "--bridge-management", "http://127.0.0.1:\(bridge.managementPort)", "--wait-timeout", "60s",
            ],
            api: api,
            whenStandardErrorSays: "printed the Secret manifest"
        ) { manifest in
            // `kubectl apply`: the Secret's keys become files in the bridge's directory.
            activeWhenPrinted.withLock { $0 = api.webhooks.filter(\.active).count }
            for (id, secret) in try Self.manifestKeys(manifest) {
                try (secret + "\n").write(toFile: (mounted as NSString).appendingPathComponent(id), atomically: true, encoding: .utf8)
            }
        }
        #expect(result.status == 0, "\(result.output)")
        #expect(activeWhenPrinted.withLock { $0 } == 1, "the six new webhooks were inactive when the manifest was printed")
        #expect(files.count == 1)
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == Set(api.webhooks.map(\.id)),
            "the secrets are kept in --secrets-dir"
        )
        #expect(result.stdout.hasPrefix("apiVersion: v1\nkind: Secret\nmetadata:\n  name: malomo-webhooks\n  namespace: shipping\n"))
        let keys = try Self.manifestKeys(result.stdout)
        #expect(keys.count == 7, "\(result.stdout)")
        for webhook in api.webhooks { #expect(keys[webhook.id] == webhook.secret) }
        #expect(api.webhooks.count == 7 && api.webhooks.allSatisfy(\.active))
        for webhook in api.webhooks {
            let status = await Self.deliver(port: port, webhookID: webhook.id, secret: webhook.secret!, topic: webhook.topic, body: #"{"id":"k8s"}"#)
            #expect(status == 202, "\(webhook.topic)")
        }
        // A second run changes nothing at Malomo and prints the whole Secret again (applying it
        // removes nothing), also when only some topics are requested.
        let before = api.requests.count
        let again = try await AdminProcess.run(
            [
                "webhooks", "sync", "--url", url, "--secrets-dir", directory, "--kubernetes-secret", "malomo-webhooks", "--topics", "orders:created",
                "--bridge-management", "http://127.0.0.1:\(bridge.managementPort)",
            ],
            api: api
        )
        #expect(again.status == 0, "\(again.output)")
        #expect(api.requests.dropFirst(before).allSatisfy { $0.method == "GET" })
        #expect(try Self.manifestKeys(again.stdout) == keys, "every webhook at the URL, not only the requested topic")
        // Without --bridge-management it refuses: nothing could tell when to activate.
        let refused = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--kubernetes-secret", "malomo-webhooks"],
            api: api
        )
        #expect(refused.status == 2 && refused.stderr.contains("--kubernetes-secret needs --bridge-management"), "\(refused.stderr)")
        bridge.signal(SIGTERM)
        _ = try await bridge.waitForExit()
    }

    /// The `data:` keys of a manifest the tool printed.
    static func manifestKeys(_ manifest: String) throws -> [String: String] {
        var keys: [String: String] = [:]
        for line in manifest.split(separator: "\n") where line.hasPrefix("  \"") {
            let parts = line.dropFirst(3).split(separator: "\"", maxSplits: 1)
            let value = try #require(Data(base64Encoded: String(parts[1].dropFirst(2))))
            keys[String(parts[0])] = String(decoding: value, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        return keys
    }

    @Test(.timeLimit(.minutes(3))) func apiErrorsAreClearAndRetriesHonourRetryAfter() async throws {
        let api = try await FakeMalomoAPI()
        defer { Task { await api.stop() } }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let url = "https://hooks.example.com\(Self.path)"

        // A wrong key: 401, named, and the key is not printed.
        let badKey = try await AdminProcess.run(
            ["webhooks", "list"],
            api: api,
            environment: ["MALOMO_API_KEY": "sk_wrong_key_123"]
        )
        #expect(badKey.status == 1)
        #expect(badKey.stderr.contains("Malomo refused the API key (401): check MALOMO_API_KEY"), "\(badKey.stderr)")
        #expect(!badKey.output.contains("sk_wrong_key_123"))
        // A topic Malomo rejects: 422 with Malomo's own message.
        let rejected = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "parcels:created"],
            api: api
        )
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("(422)") && rejected.stderr.contains("topic is not included in the list"), "\(rejected.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        // 429 with Retry-After, then 503: the create is retried after the wait it was told (the
        // backoff alone would be 0.5 s + 1 s).
        api.failNext("POST", [.init(status: 429, retryAfter: "3"), .init(status: 503)])
        let started = ContinuousClock.now
        let retried = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:created"],
            api: api
        )
        #expect(retried.status == 0, "\(retried.output)")
        #expect(ContinuousClock.now - started >= .seconds(3), "Retry-After: 3 was honoured")
        #expect(api.requests.filter { $0.method == "POST" }.count == 4, "parcels, then 429, 503 and the success")
        #expect(api.webhooks.count == 1)
        // A create whose answer is lost (Malomo made it, then 500): not retried blindly; the
        // webhook Malomo made is found and kept with the secret it was given.
        api.failNext("POST", [.init(status: 500, afterApplying: true)])
        let lost = try await AdminProcess.run(["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:updated"], api: api)
        #expect(lost.status == 0, "\(lost.output)")
        #expect(lost.stderr.contains("keeping it"), "\(lost.stderr)")
        let updated = api.webhooks.filter { $0.topic == "orders:updated" }
        #expect(updated.count == 1, "no second webhook was made")
        #expect(try Self.secret(in: directory, id: updated[0].id) == updated[0].secret)
        // A secret that cannot be carried to the bridge (--on-change fails): the webhook is
        // deleted again and its file removed, so no delivery goes unverifiable.
        let uncarried = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:deleted", "--on-change", "exit 3"],
            api: api
        )
        #expect(uncarried.status == 1 && uncarried.stderr.contains("--on-change failed (exit status 3)"), "\(uncarried.stderr)")
        #expect(uncarried.stderr.contains("was deleted at Malomo again"), "\(uncarried.stderr)")
        #expect(!api.webhooks.contains { $0.topic == "orders:deleted" })
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == Set(api.webhooks.map(\.id)))
        // 5xx on every attempt of an idempotent request: the retries end, with the status named.
        api.failNext("GET", Array(repeating: .init(status: 502), count: 5))
        let down = try await AdminProcess.run(["webhooks", "list"], api: api)
        #expect(down.status == 1)
        #expect(down.stderr.contains("Malomo failed (502) and kept failing after the retries"), "\(down.stderr)")
        // A redirect is not followed: the key never reaches another address. (A plain HTTP
        // server as the redirector: Foundation's client follows its 302, Authorization header
        // and all, unless told not to.)
        let elsewhere = try await FakeMalomoAPI()
        defer { Task { await elsewhere.stop() } }
        let redirectorPort = try Executables.freePort()
        let redirector = Process()
        redirector.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        redirector.arguments = [
            "python3", "-c",
            """
            import http.server
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(302)
                    self.send_header("Location", "\(elsewhere.url)/webhooks")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                def log_message(self, *args): pass
            http.server.HTTPServer(("127.0.0.1", \(redirectorPort)), H).serve_forever()
            """,
        ]
        redirector.standardOutput = FileHandle.nullDevice
        redirector.standardError = FileHandle.nullDevice
        try redirector.run()
        defer { kill(redirector.processIdentifier, SIGKILL) }
        let ready = ContinuousClock.now + .seconds(10)
        while await RawHTTPClient.received(port: redirectorPort, raw: Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)).isEmpty,
            ContinuousClock.now < ready
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        let redirected = try await AdminProcess.run(
            ["webhooks", "list"],
            api: api,
            environment: ["MALOMO_API_URL": "http://127.0.0.1:\(redirectorPort)"]
        )
        #expect(redirected.status == 1 && redirected.stderr.contains("redirect, which is not followed"), "\(redirected.output)")
        #expect(elsewhere.requests.isEmpty, "the request went on to \(elsewhere.url)")
        // A bad setting is exit 2 naming it.
        let insecure = try await AdminProcess.run(["webhooks", "list"], api: api, environment: ["MALOMO_API_URL": "http://api.example.com"])
        #expect(insecure.status == 2 && insecure.stderr.contains("MALOMO_API_URL"), "\(insecure.stderr)")
        let usage = try await AdminProcess.run(["webhooks", "sync", "--secrets-dir", directory], api: api)
        #expect(usage.status == 2 && usage.stderr.contains("--url"), "\(usage.stderr)")
        let help = try await AdminProcess.run(["webhooks", "rotate", "--help"], api: nil)
        #expect(help.status == 0 && help.stdout.contains("--bridge-management"), "\(help.output)")
        let missing = try await AdminProcess.run(["webhooks", "list"], api: nil)
        #expect(missing.status == 2 && missing.stderr.contains("MALOMO_API_KEY is required"), "\(missing.stderr)")
    }

    /// Rotation while deliveries flow through every active webhook, as Malomo sends them: no
    /// delivery is refused at any point; both secrets work during the overlap; afterwards the
    /// old webhook's secret is refused.
    @Test(.timeLimit(.minutes(3))) func rotateWhileDeliveringRefusesNothing() async throws {
        let scenario = try await Scenario()
        defer { scenario.tearDown() }
        let (api, directory, cluster, port, url) = (scenario.api, scenario.directory, scenario.cluster, scenario.port, scenario.url)
        // As with a Kubernetes Secret: the tool writes its own directory, and --on-change carries
        // it to the one the bridge reads (here a copy; in a cluster, `kubectl apply`).
        let mounted = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: mounted) }
        // Each file replaced atomically (copy to a hidden name, rename), then the gone ones removed.
        let carry =
            #"for f in "$MALOMO_SECRETS_DIR"/*; do cp "$f" "$1/.tmp" && mv "$1/.tmp" "$1/${f##*/}" || exit 1; done; for f in "$1"/*; do [ -e "$MALOMO_SECRETS_DIR/${f##*/}" ] || rm -f "$f"; done"#
        let onChange = "sh -c '\(carry)' carry '\(mounted)'"
        let sync = try await AdminProcess.run(
            ["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:created", "--on-change", onChange],
            api: api
        )
        #expect(sync.status == 0, "\(sync.output)")
        let old = try #require(api.webhooks.first)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mounted) == [old.id])
        let bridge = try await Self.bridge(cluster: cluster, directory: mounted, extra: ["HTTP_PORT": "\(port)"])

        let statuses = Mutex<[(id: String, status: Int)]>([])
        let stop = Atomic<Bool>(false)
        // Malomo's side: each event goes through every active webhook of its topic.
        let sender = Task {
            var sequence = 0
            while !stop.load(ordering: .relaxed) {
                sequence += 1
                let deliveries = await api.deliver(topic: "orders:created", body: Array(#"{"id":"order-\#(sequence)"}"#.utf8))
                statuses.withLock { $0 += deliveries.map { ($0.webhookID, $0.status) } }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let rotate = try await AdminProcess.run(
            [
                "webhooks", "rotate", "--url", url, "--secrets-dir", directory, "--topics", "orders:created", "--bridge-management",
                "http://127.0.0.1:\(bridge.managementPort)", "--wait-timeout", "60s", "--on-change", onChange,
            ],
            api: api
        )
        try await Task.sleep(for: .milliseconds(300))
        stop.store(true, ordering: .relaxed)
        await sender.value
        #expect(rotate.status == 0, "\(rotate.output)")
        let now = api.webhooks
        #expect(now.count == 1 && now[0].id != old.id && now[0].active)
        let new = now[0]
        let seen = statuses.withLock { $0 }
        #expect(!seen.isEmpty && seen.allSatisfy { $0.status == 202 }, "refused: \(seen.filter { $0.status != 202 })")
        #expect(seen.contains { $0.id == old.id } && seen.contains { $0.id == new.id }, "deliveries went through both webhooks")
        let loaded = rotate.stdout.split(separator: "\n").first { $0.hasPrefix("loaded ") } ?? ""
        #expect(loaded.contains(new.id) && loaded.contains(old.id) && loaded.contains("by all 1 bridge replicas"), "\(rotate.stdout)")
        #expect(!FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(old.id)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: mounted) == [new.id], "the removal was carried too")
        // Once the bridge reloaded, the old webhook's secret is refused.
        let deadline = ContinuousClock.now + .seconds(20)
        while try await Self.loadedIDs(managementPort: bridge.managementPort).contains(old.id), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await Self.loadedIDs(managementPort: bridge.managementPort) == [new.id])
        let refused = await Self.deliver(port: port, webhookID: old.id, secret: old.secret!, topic: "orders:created", body: #"{"id":"late"}"#)
        #expect(refused == 401)
        // An earlier run that stopped after writing a replacement's file but before --on-change
        // carried it: the resume carries it first, or the bridge would never load it.
        let stopped = api.add(topic: "orders:created", url: url, active: false, secret: "stopped-run-secret")
        try "# malomo-admin\n# replaces: \(new.id)\nstopped-run-secret\n".write(
            toFile: (directory as NSString).appendingPathComponent(stopped.id),
            atomically: true,
            encoding: .utf8
        )
        let resumed = try await AdminProcess.run(
            [
                "webhooks", "rotate", "--url", url, "--secrets-dir", directory, "--topics", "orders:created", "--bridge-management",
                "http://127.0.0.1:\(bridge.managementPort)", "--wait-timeout", "20s", "--on-change", onChange,
            ],
            api: api
        )
        #expect(
            resumed.status == 0 && resumed.stdout.contains("resuming     orders:created  replacement \(stopped.id) (inactive)"),
            "\(resumed.output)"
        )
        #expect(api.webhooks.map(\.id) == [stopped.id] && api.webhooks[0].active)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mounted) == [stopped.id])
        bridge.signal(SIGTERM)
        _ = try await bridge.waitForExit()
    }

    /// A failure mid-rotation (Malomo refusing to delete the old webhook) leaves both webhooks
    /// valid; the same command then resumes without creating a third.
    @Test(.timeLimit(.minutes(3))) func rotateFailingMidwayLeavesBothValidAndResumes() async throws {
        let scenario = try await Scenario()
        defer { scenario.tearDown() }
        let (api, directory, cluster, port, url) = (scenario.api, scenario.directory, scenario.cluster, scenario.port, scenario.url)
        #expect(
            try await AdminProcess.run(["webhooks", "sync", "--url", url, "--secrets-dir", directory, "--topics", "orders:created"], api: api).status
                == 0
        )
        let old = try #require(api.webhooks.first)
        let bridge = try await Self.bridge(cluster: cluster, directory: directory, extra: ["HTTP_PORT": "\(port)"])
        let arguments = [
            "webhooks", "rotate", "--url", url, "--secrets-dir", directory, "--topics", "orders:created", "--bridge-management",
            "http://127.0.0.1:\(bridge.managementPort)", "--wait-timeout", "60s",
        ]
        // A directory without the live secrets, applied as a whole by --on-change, would remove
        // them from the bridge: refused before anything changes.
        let empty = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let wrongDirectory = try await AdminProcess.run(
            [
                "webhooks", "rotate", "--url", url, "--secrets-dir", empty, "--topics", "orders:created", "--bridge-management",
                "http://127.0.0.1:\(bridge.managementPort)", "--on-change", "true",
            ],
            api: api
        )
        #expect(
            wrongDirectory.status == 1 && wrongDirectory.stderr.contains("lacks the secret of active webhooks \(old.id)"),
            "\(wrongDirectory.stderr)"
        )
        #expect(api.webhooks.count == 1 && api.requests.filter { $0.method == "POST" }.count == 1)
        // Malomo's answers need not carry created_at: the resume reads its own record.
        api.setShowsCreatedAt(false)
        api.failNext("DELETE", Array(repeating: .init(status: 500), count: 5))
        let failed = try await AdminProcess.run(arguments, api: api)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("rotating orders:created stopped"), "\(failed.stderr)")
        #expect(failed.stderr.contains("To resume, run the same command again."), "\(failed.stderr)")
        let both = api.webhooks
        #expect(both.count == 2 && both.allSatisfy(\.active))
        for webhook in both {
            let status = await Self.deliver(
                port: port,
                webhookID: webhook.id,
                secret: webhook.secret!,
                topic: "orders:created",
                body: #"{"id":"both"}"#
            )
            #expect(status == 202, "webhook \(webhook.id) still delivers")
        }
        let resumed = try await AdminProcess.run(arguments, api: api)
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.stdout.contains("resuming"), "\(resumed.stdout)")
        let after = api.webhooks
        #expect(after.count == 1 && after[0].id != old.id && both.contains { $0.id == after[0].id }, "the replacement made before is kept")
        #expect(api.requests.filter { $0.method == "POST" }.count == 2, "one create by sync, one by the first rotate")

        // A replica that never loads the new secret (it reads another directory): the rotation
        // waits, gives up, and deletes nothing.
        let elsewhere = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        try "# other\nother-secret\n".write(toFile: (elsewhere as NSString).appendingPathComponent("other"), atomically: true, encoding: .utf8)
        let stale = try await Self.bridge(cluster: cluster, directory: elsewhere)
        let waiting = try await AdminProcess.run(
            [
                "webhooks", "rotate", "--url", url, "--secrets-dir", directory, "--topics", "orders:created", "--bridge-management",
                "http://127.0.0.1:\(bridge.managementPort)", "--bridge-management", "http://127.0.0.1:\(stale.managementPort)",
                "--wait-timeout", "3s",
            ],
            api: api
        )
        #expect(waiting.status == 1)
        #expect(
            waiting.stderr.contains("not every bridge replica has loaded") && waiting.stderr.contains("127.0.0.1:\(stale.managementPort)"),
            "\(waiting.stderr)"
        )
        #expect(api.webhooks.count == 2 && api.webhooks.contains { $0.id == after[0].id }, "nothing deleted")
        let pending = try #require(api.webhooks.first { $0.id != after[0].id })
        #expect(!pending.active, "the replacement waits inactive")
        // Too few replicas behind the management name: refused, never taken for all of them.
        let tooFew = try await AdminProcess.run(
            [
                "webhooks", "rotate", "--url", url, "--secrets-dir", directory, "--topics", "orders:created", "--bridge-management",
                "http://127.0.0.1:\(bridge.managementPort)", "--expect-replicas", "2", "--wait-timeout", "2s",
            ],
            api: api
        )
        #expect(tooFew.status == 1 && tooFew.stderr.contains("fewer than the 2 replicas expected"), "\(tooFew.stderr)")
        #expect(api.webhooks.count == 2 && api.webhooks.first { $0.id == pending.id }?.active == false)
        // The second rotation of this topic resumes from its record (the first replacement's file
        // still records the first rotation, which is finished and must not count).
        let finish = try await AdminProcess.run(arguments, api: api)
        #expect(finish.status == 0, "\(finish.output)")
        #expect(finish.stdout.contains("resuming     orders:created  replacement \(pending.id) (inactive)"), "\(finish.stdout)")
        #expect(api.webhooks.map(\.id) == [pending.id] && api.webhooks[0].active)
        #expect(api.requests.filter { $0.method == "POST" }.count == 3, "sync, the first rotation, the second: no extra webhook")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [pending.id])
        stale.signal(SIGTERM)
        bridge.signal(SIGTERM)
        _ = try await stale.waitForExit()
        _ = try await bridge.waitForExit()
    }
}
