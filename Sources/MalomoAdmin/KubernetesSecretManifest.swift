import Foundation

/// A Kubernetes `Secret` whose keys are webhook ids and whose values are their secrets: what
/// the chart mounts as the bridge's secrets directory (`webhook.existingSecret`).
public enum KubernetesSecretManifest {
    /// The manifest as YAML. Values are base64 (`data:`), so no secret needs YAML quoting.
    /// - Precondition: `name` is a DNS-1123 subdomain (see ``isValidName(_:)``).
    public static func yaml(name: String, namespace: String?, secrets: [String: String]) -> String {
        var lines = [
            "apiVersion: v1",
            "kind: Secret",
            "metadata:",
            "  name: \(name)",
        ]
        if let namespace { lines.append("  namespace: \(namespace)") }
        lines += [
            "  labels:",
            "    app.kubernetes.io/managed-by: malomo-admin",
            "type: Opaque",
        ]
        if secrets.isEmpty {
            lines.append("data: {}")
        } else {
            lines.append("data:")
            for id in secrets.keys.sorted() {
                lines.append("  \"\(id)\": \(Data((secrets[id]! + "\n").utf8).base64EncodedString())")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether `key` may be a Secret's key: `[-._a-zA-Z0-9]+`, at most 253 characters.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 253
            && key.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                    true
                default: false
                }
            }
    }

    /// Whether `name` may name a Secret (or a namespace): a DNS-1123 label set, at most 253
    /// characters of lowercase letters, digits, `-` and `.`, starting and ending alphanumeric.
    public static func isValidName(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard !utf8.isEmpty, utf8.count <= 253 else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard alphanumeric(utf8.first!), alphanumeric(utf8.last!) else { return false }
        return utf8.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}
