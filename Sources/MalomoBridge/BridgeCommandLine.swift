/// The command line: flags mirror the environment variables (`HTTP_PORT` ↔ `--http-port`).
public enum BridgeCommandLine {
    /// Flags that take no value.
    static let switches: Set<String> = ["--dev", "--help", "-h", "--version"]

    /// Every flag that takes a value, from ``BridgeSetting/all``. Secrets have none: a command
    /// line is readable by every user of the host (`/proc/PID/cmdline`).
    static var valueFlags: Set<String> {
        Set(BridgeSetting.all.compactMap(\.flag))
    }

    /// Rejects unknown flags, so a typo is an error rather than a silently ignored setting.
    /// - Throws: ``BridgeConfigurationError`` naming the flag.
    public static func validate(_ arguments: [String]) throws(BridgeConfigurationError) {
        let known = valueFlags
        for argument in arguments where argument.hasPrefix("-") {
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if let secret = BridgeSetting.all.first(where: {
                $0.isSecret && "--" + $0.environmentVariable.lowercased().replacingUnderscores() == name
            }) {
                throw .init(
                    setting: name,
                    message: "secrets are not accepted as flags (any user can read a command line): set "
                        + "\(secret.environmentVariable) or \(secret.environmentVariable)_FILE"
                )
            }
            if !switches.contains(name) && !known.contains(name) {
                throw .init(setting: name, message: "unknown flag (see --help)")
            }
        }
    }

    /// `--help` text: every setting by group, with its flag, default, values and meaning.
    public static var usage: String {
        var lines = [
            "USAGE: malomo-bridge [--dev] [--version] [--<setting> <value> ...]",
            "",
            "Verifies Malomo webhooks and publishes them to Kafka, answering 202 once the broker has them.",
            "",
            "  --dev        run against an in-process Kafka mock cluster with a dev secret",
            "  --version    print the version and exit",
            "",
            "Settings: an environment variable, or the flag shown (secrets: the environment or NAME_FILE only).",
        ]
        for group in BridgeSetting.Group.allCases {
            lines.append("")
            lines.append("\(group.rawValue):")
            for setting in BridgeSetting.all where setting.group == group {
                let name =
                    setting.flag.map { "\(setting.environmentVariable) / \($0)" }
                    ?? "\(setting.environmentVariable) (or \(setting.environmentVariable)_FILE)"
                let shown = setting.defaultDescription.replacingBackticks()
                var facts: [String]
                if setting.defaultValue == nil && setting.shownDefault == nil {
                    facts = ["no default"]
                } else if shown.hasPrefix("(") {
                    facts = [String(shown.dropFirst().dropLast())]  // "(required; dev mode: …)"
                } else {
                    facts = ["default \(shown)"]
                }
                if let values = setting.valuesDescription { facts.append(values) }
                lines.append("  \(name)  (\(facts.joined(separator: "; ")))")
                lines.append("      \(setting.help.replacingBackticks())")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(self.map { $0 == "_" ? "-" : $0 })
    }

    /// The README's Markdown code spans as plain text.
    fileprivate func replacingBackticks() -> String {
        String(self.filter { $0 != "`" })
    }
}
