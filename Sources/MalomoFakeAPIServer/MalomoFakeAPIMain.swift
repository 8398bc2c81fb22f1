import ArgumentParser
import Foundation
import MalomoFakeAPI

/// `malomo-fake-api`: a stand-in for Malomo's webhook API on loopback, to try `malomo-admin`
/// against a dev bridge without a Malomo account.
@main
struct MalomoFakeAPIMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "malomo-fake-api",
        abstract: "A fake of Malomo's webhook API on 127.0.0.1, state in memory, for local trials and tests.",
        discussion: """
            Serves GET/POST /webhooks and GET/PATCH/DELETE /webhooks/<id> with bearer-key \
            authentication, and POST /_fake/deliveries {"topic":…,"body":{…}}: Malomo's side of an \
            event, signed and posted to every active webhook of the topic.
            """
    )

    @Option(help: "The port (0 picks a free one).") var port = 4010
    @Option(name: .customLong("api-key"), help: "The API key it accepts.") var apiKey = FakeMalomoAPI.apiKey

    func validate() throws {
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0...65535") }
        guard !self.apiKey.isEmpty else { throw ValidationError("--api-key must not be empty") }
    }

    func run() async throws {
        let api = try await FakeMalomoAPI(port: self.port, apiKey: self.apiKey)
        let banner = """
            Fake Malomo API on \(api.url) (not Malomo: state in memory, for trials only)
              export MALOMO_API_URL=\(api.url) MALOMO_API_KEY=\(self.apiKey)

            """
        FileHandle.standardOutput.write(Data(banner.utf8))
        await api.wait()
    }
}
