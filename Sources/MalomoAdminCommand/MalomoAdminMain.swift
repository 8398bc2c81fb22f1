import ArgumentParser
import Foundation
import MalomoBridge

/// `malomo-admin`: registers the bridge's webhooks at Malomo, rotates their secrets and
/// redrives dead letters.
@main
struct MalomoAdminMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "malomo-admin",
        abstract: "Day-2 tasks for malomo-bridge: Malomo webhooks and dead letters.",
        discussion: """
            Malomo's API is reached with MALOMO_API_KEY (or MALOMO_API_KEY_FILE) at MALOMO_API_URL \
            (default https://api.gomalomo.com). Kafka and the routing rules are the bridge's own \
            settings (KAFKA_BROKERS, MALOMO_ALLOWED_TOPICS, …): run it with the bridge's environment.
            Exit status: 0 done, 1 a step failed (the message says what state it left), 2 a bad \
            argument or setting.
            """,
        version: "malomo-admin \(BridgeVersion.current)",
        subcommands: [WebhooksCommand.self, DeadLettersCommand.self]
    )

    /// As `AsyncParsableCommand.main()`, but a usage error is exit 2 (argument-parser's
    /// default is 64), as every other bad input of this project's executables.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
