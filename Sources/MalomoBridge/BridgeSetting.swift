/// One setting of the bridge, declared once (in `BridgeSetting+Catalogue.swift`): its key,
/// environment variable and flag, what values it takes, its default and its help. The parser,
/// `--help`, the startup summary, the README's table (checked by a test) and validation all
/// read these.
public struct BridgeSetting: Sendable, Hashable, CustomStringConvertible {
    /// What values a setting takes.
    public enum Kind: Sendable, Hashable {
        /// Free text (a host, a path, a name).
        case text
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// A duration in whole milliseconds, in the range (the configuration holds a `Duration`).
        case milliseconds(ClosedRange<Int>)
        /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
        case boolean
        /// One of these words (matched without regard to case).
        case choice([String])
        /// A comma-separated list.
        case list
        /// A secret: never logged, no command-line flag, also readable from `NAME_FILE`.
        case secret
    }

    /// Where the setting belongs: its section of `--help`.
    public enum Group: String, Sendable, CaseIterable {
        case webhook = "Webhook"
        case http = "HTTP"
        case management = "Management"
        case kafka = "Kafka"
        case log = "Log"
    }

    /// The swift-configuration key (`http.port`).
    public let key: String
    /// The environment variable, derived from the key (`http.port` → `HTTP_PORT`).
    public let environmentVariable: String
    /// What values it takes.
    public let kind: Kind
    /// The default as text, `nil` when there is none.
    public let defaultValue: String?
    /// How the README and `--help` show the default, when not just the value (`same as HTTP_HOST`).
    public let shownDefault: String?
    /// What the setting means (the README table's last column).
    public let help: String

    init(_ key: String, _ kind: Kind, default defaultValue: String? = nil, shownDefault: String? = nil, help: String) {
        self.key = key
        self.environmentVariable = Self.environmentVariable(forKey: key)
        self.kind = kind
        self.defaultValue = defaultValue
        self.shownDefault = shownDefault
        self.help = help
    }

    /// Whether the value is a secret (never logged, never a flag).
    public var isSecret: Bool { self.kind == .secret }

    /// `--http-port`; secrets have none (any user of the host can read a command line).
    public var flag: String? {
        self.isSecret ? nil : "--" + String(self.environmentVariable.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// The group, from the key's first component (`ackTimeoutMs`, `maxBodyBytes` and `malomo.*`
    /// are the webhook's).
    public var group: Group {
        switch self.key.split(separator: ".").first {
        case "http": .http
        case "management": .management
        case "kafka": .kafka
        case "log": .log
        default: .webhook
        }
    }

    /// The default as the README's table and `--help` show it.
    public var defaultDescription: String {
        self.shownDefault ?? self.defaultValue.map { "`\($0)`" } ?? "(none)"
    }

    /// The values it takes, for `--help`.
    public var valuesDescription: String? {
        switch self.kind {
        case .text, .list, .secret: nil
        case .integer(let range): "\(range.lowerBound)...\(range.upperBound)"
        case .milliseconds(let range): "\(range.lowerBound)...\(range.upperBound) ms"
        case .boolean: "true or false"
        case .choice(let words): words.joined(separator: ", ")
        }
    }

    public var description: String { self.environmentVariable }

    /// `kafka.sslCaLocation` → `KAFKA_SSL_CA_LOCATION`, as swift-configuration's environment
    /// provider maps keys.
    static func environmentVariable(forKey key: String) -> String {
        var name = ""
        for character in key {
            if character == "." {
                name.append("_")
            } else if character.isUppercase {
                name.append("_")
                name.append(character)
            } else {
                name.append(character.uppercased())
            }
        }
        return name
    }
}
