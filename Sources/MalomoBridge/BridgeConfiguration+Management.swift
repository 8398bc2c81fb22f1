extension BridgeConfiguration {
    /// The management listener (`/metrics`, `/healthz`, `/readyz`, `/webhooks`): `MANAGEMENT_*`.
    public struct Management: Sendable {
        /// Address of the management listener. Default: the webhook listener's.
        public var host = "0.0.0.0"
        /// Port of the management listener (0 picks a free port).
        public var port = 9090

        /// The defaults.
        public init() {}

        init(reading values: inout SettingValues, http: HTTP) throws(BridgeConfigurationError) {
            self.host = try values.text(.managementHost) ?? http.host
            values.show(.managementHost, as: self.host)
            self.port = try values.integer(.managementPort)
            if self.port != 0 && self.port == http.port {
                throw .init(
                    setting: BridgeSetting.managementPort.environmentVariable,
                    message: "must differ from HTTP_PORT (\(http.port)): metrics never share the ingress port"
                )
            }
        }
    }
}
