import Foundation

/// The private network namespace the network-fault and scale-out suites run in
/// (`scripts/check-network-faults` creates it and runs them with `ip netns exec`). Its
/// loopback, ports and firewall are the suite's own, so blackholing a broker's port or
/// binding nginx to 8080 touches nothing else on the machine.
enum NetworkNamespace {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Throws unless this process runs in a network namespace other than PID 1's: the suites
    /// rewrite the firewall, which must never happen in the machine's own namespace.
    static func requirePrivate() throws {
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        let machine = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/1/ns/net")) ?? ""
        guard own != machine, ProcessInfo.processInfo.environment["MALOMO_FAULT_NETNS"] != nil else {
            throw Failure(
                description: "this suite rewrites iptables rules and binds fixed ports: run it with scripts/check-network-faults, "
                    + "which gives it a network namespace of its own (it is not run by a plain swift test)"
            )
        }
    }

    /// Runs `iptables` with `arguments` in this namespace.
    static func iptables(_ arguments: [String]) throws {
        let result = try Command.run("/usr/sbin/iptables", ["-w"] + arguments)
        guard result.status == 0 else { throw Failure(description: "iptables \(arguments.joined(separator: " ")): \(result.stderr)") }
    }

    /// Removes every rule this suite added (the namespace has no others).
    static func heal() throws {
        try iptables(["-F", "INPUT"])
        try iptables(["-F", "OUTPUT"])
    }
}

/// A command run to completion, its output collected.
enum Command {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("malomo-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files, not pipes: a child that writes more than a pipe holds cannot block it.
        let out = directory.appendingPathComponent("out")
        let err = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }
}
