import Foundation
import Testing

@testable import MalomoAdmin

@Suite struct SecretsDirectoryTests {
    func temporary() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)/nested").path
    }

    @Test func writesAreMode0600AtomicAndReadBackAsTheBridgeReadsThem() async throws {
        let path = self.temporary()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let directory = try SecretsDirectory(path: path)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o700)
        try await directory.write(id: "6f1c-9a", secret: "s1", comment: "orders:created\n-> x")
        try await directory.write(id: "6f1c-9a", secret: "s2", comment: "again", replacing: ["old-1", "old-2"])
        #expect(try directory.webhookIDs() == ["6f1c-9a"], "no temporary file is left")
        #expect((try FileManager.default.attributesOfItem(atPath: directory.file("6f1c-9a"))[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: directory.file("6f1c-9a"), encoding: .utf8) == "# again\n# replaces: old-1,old-2\ns2\n")
        #expect(directory.secrets(of: "6f1c-9a") == ["s2"])
        #expect(directory.replacedIDs(of: "6f1c-9a") == ["old-1", "old-2"])
        try await directory.remove(ids: ["6f1c-9a"])
        try await directory.remove(ids: ["6f1c-9a"])
        #expect(try directory.webhookIDs().isEmpty)
    }

    @Test(arguments: ["../escape", "a/b", ".hidden", "", "with space", String(repeating: "x", count: 256)])
    func idsThatCannotNameAFileInsideAreRefused(_ id: String) async throws {
        let path = self.temporary()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let directory = try SecretsDirectory(path: path)
        #expect(!SecretsDirectory.isUsableFileName(id))
        await #expect(throws: AdminError.self) { try await directory.write(id: id, secret: "s", comment: "c") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == ["nested"])
    }

    /// Only regular files count as secrets; a directory others may write to is refused.
    @Test func foreignEntriesAndLooseDirectoriesAreRefused() throws {
        let path = self.temporary()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let directory = try SecretsDirectory(path: path)
        try FileManager.default.createDirectory(atPath: directory.file("subdir"), withIntermediateDirectories: false)
        #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
        #expect(try directory.webhookIDs().isEmpty)
        #expect(directory.secrets(of: "fifo") == nil, "a FIFO is never opened for reading")
        #expect(chmod(path, 0o777) == 0)
        #expect(throws: AdminError.self) { try SecretsDirectory(path: path) }
    }

    /// `--on-change` runs with the directory in its environment and without the tool's secrets;
    /// a failure or a command that outlives its time limit is an error (the latter killed with
    /// its children).
    @Test func onChangeRunsWithoutSecretsAndIsBounded() async throws {
        let path = self.temporary()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let log = (path as NSString).appendingPathComponent(".log")
        setenv("MALOMO_API_KEY", "sk_leak", 1)
        setenv("MALOMO_API_KEY_FILE", "/secret/key", 1)
        defer {
            unsetenv("MALOMO_API_KEY")
            unsetenv("MALOMO_API_KEY_FILE")
        }
        let directory = try SecretsDirectory(path: path, onChange: #"env > "$MALOMO_SECRETS_DIR/.log""#)
        try await directory.write(id: "w1", secret: "s", comment: "c")
        let environment = try String(contentsOfFile: log, encoding: .utf8)
        #expect(environment.contains("MALOMO_SECRETS_DIR=\(path)"))
        #expect(!environment.contains("sk_leak") && !environment.contains("/secret/key"))
        let failing = try SecretsDirectory(path: path, onChange: "exit 4")
        await #expect(throws: AdminError.self) { try await failing.remove(ids: ["w1"]) }
        var slow = try SecretsDirectory(path: path, onChange: #"sleep 30 & sleep 30"#)
        slow.onChangeTimeout = .milliseconds(300)
        let started = ContinuousClock.now
        await #expect(throws: AdminError.self) { try await slow.remove(ids: ["w1"]) }
        #expect(ContinuousClock.now - started < .seconds(10), "killed, not waited for")
    }

    @Test func aFileIsNotADirectory() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("file-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: AdminError.self) { try SecretsDirectory(path: file) }
    }

    @Test func secretsAre32RandomBytesInHex() {
        let secrets = (0..<50).map { _ in WebhookSecretGenerator.make() }
        #expect(secrets.allSatisfy { $0.count == 64 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
        #expect(Set(secrets).count == 50)
    }

    @Test func manifestsNameValidSecretsAndKeys() {
        let yaml = KubernetesSecretManifest.yaml(name: "malomo-webhooks", namespace: nil, secrets: ["b": "2", "a": "1"])
        #expect(
            yaml
                == "apiVersion: v1\nkind: Secret\nmetadata:\n  name: malomo-webhooks\n  labels:\n    app.kubernetes.io/managed-by: malomo-admin\ntype: Opaque\ndata:\n  \"a\": MQo=\n  \"b\": Mgo=\n"
        )
        #expect(
            KubernetesSecretManifest.isValidName("malomo-webhooks") && !KubernetesSecretManifest.isValidName("Malomo")
                && !KubernetesSecretManifest.isValidName("-a")
        )
        #expect(
            KubernetesSecretManifest.isValidKey("6f1c_9a.b-c") && !KubernetesSecretManifest.isValidKey("a:b")
                && !KubernetesSecretManifest.isValidKey("")
        )
    }
}
