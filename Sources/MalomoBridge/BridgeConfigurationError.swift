/// A configuration value that stops startup. The message names the setting.
public struct BridgeConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The environment variable at fault, e.g. `ACK_TIMEOUT_MS`.
    public let setting: String
    /// What is wrong with it. Never contains a secret value.
    public let message: String

    /// Creates an error.
    public init(setting: String, message: String) {
        self.setting = setting
        self.message = message
    }

    public var description: String { "invalid configuration: \(self.setting): \(self.message)" }
}
