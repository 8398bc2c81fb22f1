import Configuration
import Foundation
import Logging
import MalomoAdmin
import MalomoBridge
import MalomoContract

/// The admin tool's settings from the environment, and its helpers for failing clearly.
enum AdminEnvironment {
    /// A bad setting or argument: exit 2 with a message naming it.
    struct SettingError: Error, CustomStringConvertible {
        let setting: String
        let message: String
        var description: String { "\(self.setting) \(self.message)" }
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// `MALOMO_API_KEY` or `MALOMO_API_KEY_FILE` (not both), and `MALOMO_API_URL`.
    static func apiClient(logger: Logger) throws -> MalomoAPIClient {
        let direct = self.environment["MALOMO_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let path = self.environment["MALOMO_API_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let text: String
        switch (direct, path) {
        case (.some, .some):
            throw SettingError(setting: "MALOMO_API_KEY_FILE", message: "set either MALOMO_API_KEY or MALOMO_API_KEY_FILE, not both")
        case (.some(let value), nil):
            text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        case (nil, .some(let path)):
            let bytes: [UInt8]
            do {
                bytes = try BoundedFile.contents(of: path, limit: BoundedFile.secretLimit)
            } catch {
                throw SettingError(setting: "MALOMO_API_KEY_FILE", message: "'\(path)' \(error)")
            }
            text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        case (nil, nil):
            throw SettingError(setting: "MALOMO_API_KEY", message: "is required (or MALOMO_API_KEY_FILE): Malomo's secret API key")
        }
        guard let key = MalomoAPIKey(text) else {
            throw SettingError(
                setting: direct != nil ? "MALOMO_API_KEY" : "MALOMO_API_KEY_FILE",
                message: "is empty or holds spaces or control characters"
            )
        }
        let rawURL = self.environment["MALOMO_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? MalomoAPIClient.Configuration.defaultBaseURL
        let url = try self.url(rawURL, setting: "MALOMO_API_URL")
        return MalomoAPIClient(configuration: .init(baseURL: url, apiKey: key), logger: logger)
    }

    /// An absolute `https` URL, or `http` to this machine (a dev bridge, a fake API).
    static func url(_ text: String, setting: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil, url.user == nil
        else {
            throw SettingError(setting: setting, message: "'\(text)' is not an absolute http(s) URL without query or credentials")
        }
        switch scheme {
        case "https": return url
        case "http" where ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()): return url
        case "http": throw SettingError(setting: setting, message: "'\(text)' must be https (http only to localhost)")
        default: throw SettingError(setting: setting, message: "'\(text)' is not an http(s) URL")
        }
    }

    /// The probe of `--bridge-management` URLs; `nil` when none is given.
    static func probe(_ texts: [String], expectReplicas: Int?) throws -> BridgeReplicaProbe? {
        guard !texts.isEmpty else { return nil }
        let urls = try texts.map { text in
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw SettingError(setting: "--bridge-management", message: "'\(text)' is not an http(s) URL")
            }
            return url
        }
        var probe = BridgeReplicaProbe(managementURLs: urls)
        probe.expectedReplicas = expectReplicas
        return probe
    }

    /// The bridge's own configuration, from the same environment the bridge reads.
    static func bridgeConfiguration() throws -> BridgeConfiguration {
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(
                secretsSpecifier: .specific(Set(BridgeConfiguration.settings.filter(\.isSecret).map(\.environmentVariable)))
            )
        ])
        return try BridgeConfiguration(reader: reader, environment: self.environment)
    }

    /// Logs to standard error: warnings only, unless `verbose`; the bridge's `LOG_FORMAT`.
    static func logger(verbose: Bool) -> Logger {
        let level: Logger.Level = verbose ? .debug : .warning
        let json = self.environment["LOG_FORMAT"]?.lowercased() == "json"
        return Logger(label: "malomo-admin") { label in
            if json { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((printable(line) + "\n").utf8))
    }

    /// `value` as JSON on standard output (keys sorted).
    static func sayJSON(_ value: some Encodable, pretty: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys]
        self.say(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Progress on standard error (when standard output carries a manifest).
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((printable(line) + "\n").utf8))
    }

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data(("warning: " + printable(line) + "\n").utf8))
    }

    /// `text` with control characters (from Malomo's answers: ids, URLs, messages) shown as `?`,
    /// so that an answer cannot drive the operator's terminal. Line breaks stay.
    static func printable(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    (scalar.value < 0x20 && scalar != "\n") || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar
                }
            )
        )
    }

    /// Ends the process for `error`: 2 for a setting, 1 for anything else.
    static func fail(_ error: any Error) -> Never {
        switch error {
        case let setting as SettingError:
            FileHandle.standardError.write(Data("malomo-admin: \(setting)\n".utf8))
            exit(2)
        case let setting as BridgeConfigurationError:
            FileHandle.standardError.write(Data("malomo-admin: \(setting)\n".utf8))
            exit(2)
        default:
            FileHandle.standardError.write(Data("malomo-admin: \(printable("\(error)"))\n".utf8))
            exit(1)
        }
    }

    /// `all` (the seven documented topics) or a comma-separated list of well-formed topics.
    static func topics(_ text: String) throws -> [String] {
        if text == "all" { return MalomoTopic.known.map(\.rawValue) }
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw SettingError(setting: "--topics", message: "lists no topic") }
        guard Set(names).count == names.count else { throw SettingError(setting: "--topics", message: "lists a topic twice") }
        return try names.map { name in
            guard MalomoTopic(name) != nil else {
                throw SettingError(setting: "--topics", message: "'\(name)' is not a Malomo topic (resource:action, e.g. orders:created)")
            }
            return name
        }
    }

    /// `90s`, `15m`, `24h`, `7d`.
    static func duration(_ text: String, setting: String) throws -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last, let factor = units[unit], let number = Int64(text.dropLast()), number > 0,
            number <= 365 * 86400 / factor
        else {
            throw SettingError(setting: setting, message: "'\(text)' is not a duration such as 90s, 15m, 24h or 7d (at most a year)")
        }
        return .seconds(number * factor)
    }
}
