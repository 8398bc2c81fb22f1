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
            let reader = ConfigReader(providers: [
                CommandLineArgumentsProvider(),
                EnvironmentVariablesProvider(secretsSpecifier: .specific(["MALOMO_WEBHOOK_SECRET"])),
            ])
            var configuration = try BridgeConfiguration(reader: reader, dev: dev)
            let level = configuration.logLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: "malomo-bridge")
            let devEnvironment = dev ? try DevEnvironment(logger: logger) : nil
            if let devEnvironment { devEnvironment.apply(to: &configuration) }
            let secrets = try BridgeApplication.loadSecrets(configuration: configuration)
            logger.info(
                "Starting malomo-bridge",
                metadata: [
                    "version": "\(BridgeVersion.current)", "librdkafka": "\(KafkaProducer.librdkafkaVersion)",
                    "config": .dictionary(configuration.redactedSummary.mapValues { .string($0) }),
                ])
            let finalConfiguration = configuration
            try await BridgeApplication.run(configuration: finalConfiguration, secrets: secrets, logger: logger) { port in
                if let devEnvironment {
                    FileHandle.standardOutput.write(Data(devEnvironment.banner(configuration: finalConfiguration, port: port).utf8))
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
