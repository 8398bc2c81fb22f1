import Foundation
import Testing

@testable import MalomoAdmin

@Suite struct SecretsDirectoryTests {
    func temporary() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)/nested").path
    }

    @Test func writesAreMode0600AtomicAndReadBackAsTheBridgeReadsThem() throws {
        let path = self.temporary()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let directory = try SecretsDirectory(path: path)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o700)
        try directory.write(id: "6f1c-9a", secret: "s1", comment: "orders:created\n-> x")
        try directory.write(id: "6f1c-9a", secret: "s2", comment: "again")
        #expect(try directory.webhookIDs() == ["6f1c-9a"], "no temporary file is left")
        #expect((try FileManager.default.attributesOfItem(atPath: directory.file("6f1c-9a"))[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: directory.file("6f1c-9a"), encoding: .utf8) == "# again\ns2\n")
        #expect(directory.secrets(of: "6f1c-9a") == ["s2"])
        try directory.remove(id: "6f1c-9a")
        try directory.remove(id: "6f1c-9a")
        #expect(try directory.webhookIDs().isEmpty)
    }

    @Test(arguments: ["../escape", "a/b", ".hidden", "", "with space", String(repeating: "x", count: 256)])
    func idsThatCannotNameAFileInsideAreRefused(_ id: String) throws {
        let path = self.temporary()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let directory = try SecretsDirectory(path: path)
        #expect(!SecretsDirectory.isUsableFileName(id))
        #expect(throws: AdminError.self) { try directory.write(id: id, secret: "s", comment: "c") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == ["nested"])
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
