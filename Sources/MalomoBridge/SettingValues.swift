import Configuration
import Foundation

/// Reads settings as text through swift-configuration and parses them here, so that a
/// value that does not parse is an error naming the setting, never a silent default.
struct SettingValues {
    let reader: ConfigReader

    private func key(for variable: String) -> ConfigKey {
        let setting = BridgeConfiguration.settings.first { $0.environmentVariable == variable }!
        return ConfigKey(setting.key)
    }

    /// The settings whose value is a comma-separated list. Only these are read as lists: a path
    /// or a name holding ", " must stay as written.
    static let listSettings: Set<String> = ["KAFKA_BROKERS", "MALOMO_ALLOWED_TOPICS"]

    /// The value, or `nil` when unset. An empty value counts as unset.
    func text(_ variable: String, isSecret: Bool = false) throws(BridgeConfigurationError) -> String? {
        let setting = BridgeConfiguration.settings.first { $0.environmentVariable == variable }!
        let value: String?
        if Self.listSettings.contains(variable) {
            // Read as a list and joined back: swift-configuration splits command-line values on
            // commas, and a multi-valued flag read as one string is nil (it would silently fall
            // back to the default, e.g. `--malomo-allowed-topics a:b,c:d`).
            value = self.reader.stringArray(forKey: self.key(for: variable))?.joined(separator: ",")
        } else {
            value = self.reader.string(forKey: self.key(for: variable), isSecret: isSecret || setting.isSecret)
        }
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : (isSecret ? value : trimmed)
    }

    func integer(_ variable: String, in range: ClosedRange<Int>) throws(BridgeConfigurationError) -> Int? {
        guard let text = try self.text(variable) else { return nil }
        guard let value = Int(text) else {
            throw .init(setting: variable, message: "'\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw .init(setting: variable, message: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func boolean(_ variable: String) throws(BridgeConfigurationError) -> Bool? {
        guard let text = try self.text(variable) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw .init(setting: variable, message: "'\(text)' is not true or false")
        }
    }

    func choice(_ variable: String, _ allowed: [String]) throws(BridgeConfigurationError) -> String? {
        guard let text = try self.text(variable) else { return nil }
        guard allowed.contains(text.lowercased()) else {
            throw .init(setting: variable, message: "'\(text)' is not one of \(allowed.joined(separator: ", "))")
        }
        return text.lowercased()
    }

    /// A secret given directly (`NAME`) or in a file (`NAME_FILE`), not both. A file's
    /// surrounding white space is removed.
    func secret(_ variable: String) throws(BridgeConfigurationError) -> String? {
        let direct = try self.text(variable, isSecret: true)
        guard let path = try self.text(variable + "_FILE") else { return direct }
        if direct != nil {
            throw .init(setting: variable + "_FILE", message: "set either \(variable) or \(variable)_FILE, not both")
        }
        let data: [UInt8]
        do {
            data = try BoundedFile.contents(of: path, limit: BoundedFile.secretLimit)
        } catch {
            throw .init(setting: variable + "_FILE", message: "'\(path)' \(error)")
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw .init(setting: variable + "_FILE", message: "'\(path)' is empty") }
        return value
    }
}
