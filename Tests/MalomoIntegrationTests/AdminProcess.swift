import Foundation
import MalomoFakeAPI
import MalomoTestSupport
import Synchronization

/// `malomo-admin` run as a user runs it, against the fake Malomo API.
struct AdminProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// Both streams, for messages that may go to either.
        var output: String { self.stdout + self.stderr }
    }

    /// Runs `malomo-admin arguments` with the fake API's key and URL plus `environment`, and
    /// waits for it (at most `timeout`, then it is killed and the test fails on its status).
    static func run(
        _ arguments: [String],
        api: FakeMalomoAPI?,
        environment: [String: String] = [:],
        timeout: Duration = .seconds(120),
        whenStandardErrorSays marker: String? = nil,
        then react: ((String) async throws -> Void)? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Executables.binary("malomo-admin"))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MALOMO_") && !$0.key.hasPrefix("KAFKA_") }
        if let api {
            env["MALOMO_API_KEY"] = FakeMalomoAPI.apiKey
            env["MALOMO_API_URL"] = api.url
        }
        env.merge(environment) { _, new in new }
        process.environment = env
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let out = OutputCollector()
        let err = OutputCollector()
        stdout.fileHandleForReading.readabilityHandler = { out.append($0.availableData) }
        stderr.fileHandleForReading.readabilityHandler = { err.append($0.availableData) }
        try process.run()
        let deadline = ContinuousClock.now + timeout
        var handled = false
        while process.isRunning && ContinuousClock.now < deadline {
            // A command that hands something over mid-run (a manifest for `kubectl apply`) and
            // says so: the test plays the other side, with what was printed so far.
            if !handled, let marker, let react, err.text.contains(marker) {
                handled = true
                try await react(out.text)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        stdout.fileHandleForReading.readabilityHandler = nil
        stderr.fileHandleForReading.readabilityHandler = nil
        out.append(stdout.fileHandleForReading.readDataToEndOfFile())
        err.append(stderr.fileHandleForReading.readDataToEndOfFile())
        return Result(status: process.terminationStatus, stdout: out.text, stderr: err.text)
    }
}
