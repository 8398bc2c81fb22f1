import Logging

extension BridgeConfiguration {
    /// Logging: `LOG_*`.
    public struct Log: Sendable {
        /// Log level.
        public var level: Logger.Level = .info
        /// `json` or `text`.
        public var format: LogFormat = .json
        /// Bytes of log lines that may wait for standard error before lines are dropped.
        public var bufferBytes = 1 << 20

        /// The defaults.
        public init() {}

        init(reading values: inout SettingValues, dev: Bool) throws(BridgeConfigurationError) {
            self.level = try values.choice(.logLevel).flatMap { Logger.Level(rawValue: $0) } ?? .info
            if let format = try values.choice(.logFormat, applyingDefault: false) {
                self.format = format == "json" ? .json : .text
            } else {
                self.format = dev ? .text : .json
                values.show(.logFormat, as: self.format.rawValue)
            }
            self.bufferBytes = try values.integer(.logBufferBytes)
        }
    }
}
