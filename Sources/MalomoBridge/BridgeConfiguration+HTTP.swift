extension BridgeConfiguration {
    /// The webhook listener: `HTTP_*`.
    public struct HTTP: Sendable {
        /// Address the webhook listener binds to.
        public var host = "0.0.0.0"
        /// Port of the webhook listener (0 picks a free port).
        public var port = 8080
        /// Open connections accepted at once; more wait in the listen backlog.
        public var maxConnections = 1024
        /// An idle connection is closed after this long.
        public var idleTimeout: Duration = .seconds(60)
        /// The whole body must arrive within this long (else 408).
        public var readTimeout: Duration = .seconds(10)
        /// Largest request head (request line and headers).
        public var maxHeaderBytes = 16_384

        /// The defaults.
        public init() {}

        init(reading values: inout SettingValues, dev: Bool) throws(BridgeConfigurationError) {
            self.host = try values.text(.httpHost) ?? (dev ? "127.0.0.1" : BridgeSetting.httpHost.defaultValue!)
            values.show(.httpHost, as: self.host)
            self.port = try values.integer(.httpPort)
            self.maxConnections = try values.integer(.httpMaxConnections)
            self.idleTimeout = try values.duration(.httpIdleTimeout)
            self.readTimeout = try values.duration(.httpReadTimeout)
            self.maxHeaderBytes = try values.integer(.httpMaxHeaderBytes)
        }
    }
}
