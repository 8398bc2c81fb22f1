import Configuration
import Foundation
import KafkaWire
import Logging
import MalomoBridge

/// `malomo-bridge`: verifies Malomo webhooks and publishes them to Kafka.
@main
struct MalomoBridgeMain {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.contains("--help") || arguments.contains("-h") {
            print(BridgeCommandLine.usage)
            return
        }
        if arguments.contains("--version") {
            print("malomo-bridge \(BridgeVersion.current) (librdkafka \(KafkaProducer.librdkafkaVersion))")
            return
        }
        do {
            try BridgeCommandLine.validate(arguments)
            let dev = arguments.contains("--dev")
            let environment = ProcessInfo.processInfo.environment
            let reader = ConfigReader(providers: [
                CommandLineArgumentsProvider(),
                EnvironmentVariablesProvider(
                    secretsSpecifier: .specific(Set(BridgeConfiguration.settings.filter(\.isSecret).map(\.environmentVariable)))
                ),
            ])
            var configuration = try BridgeConfiguration(reader: reader, dev: dev, environment: environment)
            let level = configuration.log.level
            let format = configuration.log.format
            LoggingSystem.bootstrap { label in
                switch format {
                case .json: return JSONLogHandler(label: label, level: level)
                case .text:
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
            }
            let logger = Logger(label: "malomo-bridge")
            let devEnvironment = dev ? try DevEnvironment(logger: logger) : nil
            if let devEnvironment { try devEnvironment.apply(to: &configuration) }
            let secrets = try BridgeApplication.loadSecrets(configuration: configuration)
            logger.info(
                "Starting malomo-bridge",
                metadata: [
                    "version": "\(BridgeVersion.current)", "librdkafka": "\(KafkaProducer.librdkafkaVersion)",
                    "config": .dictionary(configuration.redactedSummary.mapValues { .string($0) }),
                ]
            )
            let finalConfiguration = configuration
            try await BridgeApplication.run(configuration: finalConfiguration, secrets: secrets, logger: logger) { ports in
                if let devEnvironment {
                    let banner = devEnvironment.banner(configuration: finalConfiguration, port: ports.webhook, managementPort: ports.management)
                    FileHandle.standardOutput.write(Data(banner.utf8))
                }
            }
        } catch let error as BridgeConfigurationError {
            FileHandle.standardError.write(Data("malomo-bridge: \(error)\n".utf8))
            exit(2)
        } catch {
            FileHandle.standardError.write(Data("malomo-bridge: \(error)\n".utf8))
            exit(1)
        }
    }
}
