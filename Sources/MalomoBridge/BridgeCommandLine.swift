/// The command line: flags mirror the environment variables (`HTTP_PORT` ↔ `--http-port`).
public enum BridgeCommandLine {
    /// Flags that take no value.
    static let switches: Set<String> = ["--dev", "--help", "-h", "--version"]

    /// Every flag that takes a value, derived from ``BridgeConfiguration/settings``. Secrets
    /// have none: a command line is readable by every user of the host (`/proc/PID/cmdline`).
    static var valueFlags: Set<String> {
        Set(BridgeConfiguration.settings.filter { !$0.isSecret }.map(flag))
    }

    static func flag(_ setting: BridgeConfiguration.Setting) -> String {
        "--" + setting.environmentVariable.lowercased().replacingUnderscores()
    }

    /// Rejects unknown flags, so a typo is an error rather than a silently ignored setting.
    /// - Throws: ``BridgeConfigurationError`` naming the flag.
    public static func validate(_ arguments: [String]) throws(BridgeConfigurationError) {
        let known = valueFlags
        for argument in arguments where argument.hasPrefix("-") {
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            if let secret = BridgeConfiguration.settings.first(where: { $0.isSecret && flag($0) == name }) {
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

    /// `--help` text.
    public static var usage: String {
        var lines = [
            "USAGE: malomo-bridge [--dev] [--version] [--<setting> <value> ...]",
            "",
            "Verifies Malomo webhooks and publishes them to Kafka, answering 202 once the broker has them.",
            "",
            "  --dev        run against an in-process Kafka mock cluster with a dev secret",
            "  --version    print the version and exit",
            "",
            "Settings (environment variable, or the flag shown):",
        ]
        for setting in BridgeConfiguration.settings {
            let defaultText = setting.defaultValue.map { "default \($0)" } ?? "no default"
            let name =
                setting.isSecret
                ? "\(setting.environmentVariable) (environment only, or \(setting.environmentVariable)_FILE)"
                : "\(setting.environmentVariable) / \(flag(setting))"
            lines.append("  \(name)  (\(defaultText))")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(self.map { $0 == "_" ? "-" : $0 })
    }
}
