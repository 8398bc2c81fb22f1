import Foundation
import Synchronization
import Testing

/// The `malomo-bridge` binary run as a subprocess, with JSON logs parsed for its ports.
package final class BridgeProcess: Sendable {
    package let process: Process
    package let webhookPort: Int
    package let managementPort: Int
    private let collector: Collector
    private let stderr: FileHandle
    private let readLogs: @Sendable (FileHandle) -> Void

    /// What the stderr reader shares with the test.
    package final class Collector: Sendable {
        package let lines = Mutex<[String]>([])
        package let ports = Mutex<(webhook: Int?, management: Int?)>((nil, nil))
        package let partial = Mutex<[UInt8]>([])
    }

    /// The built binary, next to the test bundle (`scripts/test` builds it first).
    package static var binaryPath: String {
        get throws {
            let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            var candidates = [bin.appendingPathComponent("malomo-bridge").path]
            // The test runner may run from inside the .xctest bundle.
            candidates.append(bin.deletingLastPathComponent().appendingPathComponent("malomo-bridge").path)
            candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/malomo-bridge")
            guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw BridgeProcessError(message: "malomo-bridge is not built (looked in \(candidates)); run scripts/test")
            }
            return path
        }
    }

    package struct BridgeProcessError: Error, CustomStringConvertible {
        package let message: String
        package var description: String { message }
    }

    /// Starts the bridge (the debug build unless `binary` names another) with `environment`
    /// (ports 0 = pick free ones) and waits until both listeners are up.
    package init(environment: [String: String], binary: String? = nil) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary ?? Self.binaryPath)
        var env = ProcessInfo.processInfo.environment
        env["HTTP_HOST"] = "127.0.0.1"
        env["HTTP_PORT"] = "0"
        env["MANAGEMENT_PORT"] = "0"
        env["LOG_FORMAT"] = "json"
        env.merge(environment) { _, new in new }
        process.environment = env
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let collector = Collector()
        let readLogs: @Sendable (FileHandle) -> Void = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { return }
            let complete: [String] = collector.partial.withLock { buffer in
                buffer.append(contentsOf: data)
                var out: [String] = []
                while let newline = buffer.firstIndex(of: 10) {
                    out.append(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
                return out
            }
            for line in complete {
                collector.lines.withLock { $0.append(line) }
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let message = object["message"] as? String, let port = (object["port"] as? String).flatMap({ Int($0) })
                else { continue }
                if message == "Webhook listener started" { collector.ports.withLock { $0.webhook = port } }
                if message == "Management listener started" { collector.ports.withLock { $0.management = port } }
            }
        }
        stderr.fileHandleForReading.readabilityHandler = readLogs
        try process.run()
        self.process = process
        self.collector = collector
        self.stderr = stderr.fileHandleForReading
        self.readLogs = readLogs
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let known = collector.ports.withLock { $0 }
            if let webhook = known.webhook, let management = known.management {
                self.webhookPort = webhook
                self.managementPort = management
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw BridgeProcessError(message: "bridge did not start: \(collector.lines.withLock { $0 }.suffix(20).joined(separator: "\n"))")
    }

    package var logs: [String] { self.collector.lines.withLock { $0 } }

    /// Stops reading the bridge's standard error (a stalled log collector): its pipe fills.
    package func pauseReadingLogs() { self.stderr.readabilityHandler = nil }

    /// Reads the bridge's standard error again.
    package func resumeReadingLogs() { self.stderr.readabilityHandler = self.readLogs }

    /// Closes the reading end of the bridge's standard error: its writes fail (EPIPE).
    package func closeLogs() {
        self.stderr.readabilityHandler = nil
        try? self.stderr.close()
    }

    package func signal(_ signal: Int32) { kill(self.process.processIdentifier, signal) }

    /// Waits for exit and returns the exit status.
    package func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if self.process.isRunning {
            self.process.terminate()
            throw BridgeProcessError(message: "bridge did not exit within \(timeout)")
        }
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
    }
}
