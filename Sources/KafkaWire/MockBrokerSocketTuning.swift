#if canImport(Glibc)
    import Glibc
#endif

/// Turns Nagle's algorithm off on the mock brokers' listening sockets.
///
/// librdkafka's mock broker accepts connections without `TCP_NODELAY`. A real Kafka broker
/// sets it on every connection. Without it, a response written while the previous one is
/// still unacknowledged waits for the client's delayed ACK (40 ms on Linux). This stalls
/// pipelined produce requests and would make the mock slower than any real cluster. On Linux
/// an accepted socket inherits `TCP_NODELAY` from its listening socket. This finds the mock's
/// listening sockets among this process's descriptors and sets the option on them, before
/// any client connects.
enum MockBrokerSocketTuning {
    /// Sets `TCP_NODELAY` on this process's listening TCP sockets bound to one of `ports`.
    /// Returns how many sockets it changed (0 where `/proc/self/fd` does not exist).
    @discardableResult
    static func disableNagleOnListeners(ports: Set<UInt16>) -> Int {
        #if os(Linux)
            guard let directory = opendir("/proc/self/fd") else { return 0 }
            defer { closedir(directory) }
            var changed = 0
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard let descriptor = Int32(name), isListeningTCPSocket(descriptor, ports: ports) else { continue }
                var on: Int32 = 1
                if setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 {
                    changed += 1
                }
            }
            return changed
        #else
            return 0
        #endif
    }

    #if os(Linux)
        private static func isListeningTCPSocket(_ descriptor: Int32, ports: Set<UInt16>) -> Bool {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            guard named == 0, address.sin_family == sa_family_t(AF_INET), ports.contains(UInt16(bigEndian: address.sin_port)) else {
                return false
            }
            var listening: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            var type: Int32 = 0
            var typeSize = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening == 1
                && getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &typeSize) == 0 && type == Int32(SOCK_STREAM.rawValue)
        }
    #endif
}
