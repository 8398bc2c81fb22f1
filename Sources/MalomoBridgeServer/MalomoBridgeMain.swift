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
        // A standard error whose reader is gone costs log lines (the log writer counts them),
        // not the process: by default the first line written to it would kill the bridge.
        signal(SIGPIPE, SIG_IGN)
        var logWriter: LogLineWriter?
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
            // Lines go out through the log-writer thread: a stalled reader of standard error
            // costs dropped lines (counted), never a stalled event loop.
            let writer = LogLineWriter(fileDescriptor: STDERR_FILENO, capacityBytes: configuration.log.bufferBytes)
            logWriter = writer
            LoggingSystem.bootstrap { label in
                switch format {
                case .json: return JSONLogHandler(label: label, level: level) { writer.write($0) }
                case .text:
                    var handler = StreamLogHandler(label: label, stream: LogLineStream(writer: writer))
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
            try await BridgeApplication.run(configuration: finalConfiguration, secrets: secrets, logger: logger, logWriter: writer) { ports in
                if let devEnvironment {
                    let banner = devEnvironment.banner(configuration: finalConfiguration, port: ports.webhook, managementPort: ports.management)
                    try? FileHandle.standardOutput.write(contentsOf: Data(banner.utf8))
                }
            }
            writer.flush(timeout: .seconds(2))
        } catch let error as BridgeConfigurationError {
            Self.fail("\(error)", status: 2, after: logWriter)
        } catch {
            Self.fail("\(error)", status: 1, after: logWriter)
        }
    }

    /// Writes the error after the log lines still waiting, then exits. Once the log format is
    /// known (the writer exists, the handlers are bootstrapped) the error is a `critical` log
    /// line in that format, through the writer (never cut into another line), so a JSON
    /// pipeline keeps it; before that (a bad flag or setting, LOG_FORMAT itself) a plain
    /// `malomo-bridge: …` line. A standard error that is stalled or gone costs the line, never
    /// the exit.
    private static func fail(_ message: String, status: Int32, after writer: LogLineWriter?) -> Never {
        if let writer {
            Logger(label: "malomo-bridge").critical(
                "Exiting on an error",
                metadata: ["error": .string(message), "exit_code": .stringConvertible(status)]
            )
            writer.flush(timeout: .seconds(2))
        } else {
            try? FileHandle.standardError.write(contentsOf: Data("malomo-bridge: \(message)\n".utf8))
        }
        exit(status)
    }
}
