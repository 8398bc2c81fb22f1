import Configuration
import Foundation

/// Reads settings as text through swift-configuration and parses them here, by their
/// ``BridgeSetting`` (so a misspelt setting does not compile), so that a value that does not
/// parse or is out of its range is an error naming the setting, never a silent default. Every
/// value read (or defaulted) is kept, secrets redacted, for the startup summary.
struct SettingValues {
    let reader: ConfigReader
    /// Each setting's value as read or defaulted, secrets redacted: the startup summary.
    private(set) var inForce: [String: String] = [:]

    init(reader: ConfigReader) {
        self.reader = reader
    }

    /// The value as written (trimmed, unless a secret), or `nil` when unset. An empty value
    /// counts as unset. The default is not applied.
    mutating func text(_ setting: BridgeSetting) throws(BridgeConfigurationError) -> String? {
        let key = ConfigKey(setting.key)
        let value: String?
        if setting.kind == .list {
            // Read as a list and joined back: swift-configuration splits command-line values on
            // commas, and a multi-valued flag read as one string is nil (it would silently fall
            // back to the default, e.g. `--malomo-allowed-topics a:b,c:d`). Only lists are read
            // so: a path or a name holding ", " must stay as written.
            value = self.reader.stringArray(forKey: key)?.joined(separator: ",")
        } else {
            value = self.reader.string(forKey: key, isSecret: setting.isSecret)
        }
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        self.inForce[setting.environmentVariable] = setting.isSecret ? "[redacted]" : trimmed
        return setting.isSecret ? value : trimmed
    }

    /// The value as written, else the setting's default (`nil` when it has none).
    mutating func textOrDefault(_ setting: BridgeSetting) throws(BridgeConfigurationError) -> String? {
        if let text = try self.text(setting) { return text }
        if let defaultValue = setting.defaultValue { self.inForce[setting.environmentVariable] = defaultValue }
        return setting.defaultValue
    }

    /// A `.integer` setting, in its range; its default when unset.
    mutating func integer(_ setting: BridgeSetting) throws(BridgeConfigurationError) -> Int {
        guard case .integer(let range) = setting.kind else { preconditionFailure("\(setting) is not an integer setting") }
        let value = try Self.whole(try self.required(setting), in: range, setting)
        self.show(setting, as: String(value))
        return value
    }

    /// A `.milliseconds` setting, in its range; its default when unset.
    mutating func duration(_ setting: BridgeSetting) throws(BridgeConfigurationError) -> Duration {
        guard case .milliseconds(let range) = setting.kind else { preconditionFailure("\(setting) is not a duration setting") }
        let value = try Self.whole(try self.required(setting), in: range, setting)
        self.show(setting, as: String(value))
        return .milliseconds(value)
    }

    /// A `.boolean` setting; its default when unset.
    mutating func boolean(_ setting: BridgeSetting) throws(BridgeConfigurationError) -> Bool {
        precondition(setting.kind == .boolean, "\(setting) is not a boolean setting")
        let text = try self.required(setting)
        let value: Bool
        switch text.lowercased() {
        case "true", "1", "yes", "on": value = true
        case "false", "0", "no", "off": value = false
        default: throw .init(setting: setting.environmentVariable, message: "'\(text)' is not true or false")
        }
        self.show(setting, as: String(value))
        return value
    }

    /// A `.choice` setting as the word it lists (matched regardless of case); unset, its default
    /// (unless `applyingDefault` is false), else `nil`.
    mutating func choice(_ setting: BridgeSetting, applyingDefault: Bool = true) throws(BridgeConfigurationError) -> String? {
        guard case .choice(let words) = setting.kind else { preconditionFailure("\(setting) is not a choice setting") }
        guard let text = try applyingDefault ? self.textOrDefault(setting) : self.text(setting) else { return nil }
        guard let word = words.first(where: { $0.lowercased() == text.lowercased() }) else {
            throw .init(setting: setting.environmentVariable, message: "'\(text)' is not one of \(words.joined(separator: ", "))")
        }
        self.show(setting, as: word)
        return word
    }

    /// A secret given directly (`NAME`) or in a file (`NAME_FILE`, the `file` setting), not
    /// both. A file's surrounding white space is removed.
    mutating func secret(_ setting: BridgeSetting, file: BridgeSetting) throws(BridgeConfigurationError) -> String? {
        precondition(setting.isSecret && file.environmentVariable == setting.environmentVariable + "_FILE")
        let direct = try self.text(setting)
        guard let path = try self.text(file) else { return direct }
        if direct != nil {
            throw .init(setting: file.environmentVariable, message: "set either \(setting) or \(file), not both")
        }
        let data: [UInt8]
        do {
            data = try BoundedFile.contents(of: path, limit: BoundedFile.secretLimit)
        } catch {
            throw .init(setting: file.environmentVariable, message: "'\(path)' \(error)")
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw .init(setting: file.environmentVariable, message: "'\(path)' is empty") }
        // Shown as set either way, never its text.
        self.show(setting, as: "[redacted]")
        return value
    }

    /// Records what the summary shows for `setting` when it is not the text read.
    mutating func show(_ setting: BridgeSetting, as text: String) {
        self.inForce[setting.environmentVariable] = text
    }

    private mutating func required(_ setting: BridgeSetting) throws(BridgeConfigurationError) -> String {
        guard let text = try self.textOrDefault(setting) else { preconditionFailure("\(setting) has no default") }
        return text
    }

    private static func whole(_ text: String, in range: ClosedRange<Int>, _ setting: BridgeSetting) throws(BridgeConfigurationError) -> Int {
        guard let value = Int(text) else {
            throw .init(setting: setting.environmentVariable, message: "'\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw .init(setting: setting.environmentVariable, message: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}
