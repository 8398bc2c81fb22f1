import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The package's built executables and the host's, and ports for them.
package enum Executables {
    /// A port nothing listens on right now (bound to 0, read, released).
    package static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// One of the package's executables, built beside malomo-bridge.
    package static func binary(_ name: String) throws -> String {
        let bridge = try BridgeProcess.binaryPath
        return URL(fileURLWithPath: bridge).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// Prometheus text → [series: value].
package enum MetricsText {
    package static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            result[String(line[..<space])] = value
        }
        return result
    }
}
