#if os(Linux)
    import Glibc
    import KafkaWire
    import Testing

    @Suite struct MockKafkaClusterTests {
        /// A real Kafka broker sets TCP_NODELAY; librdkafka's mock does not, and its pipelined
        /// responses then stall for the client's delayed ACK (40 ms). The cluster fixes that on
        /// its listening sockets, which accepted connections inherit.
        @Test func acceptedBrokerConnectionsHaveNagleOff() throws {
            let cluster = try MockKafkaCluster(brokerCount: 2)
            let ports = Set(cluster.bootstrapServers.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { UInt16($0) } })
            #expect(ports.count == 2)
            var clients: [Int32] = []
            defer { for client in clients { close(client) } }
            for port in ports {
                let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                try #require(connected == 0)
                clients.append(client)
            }
            // The mock's thread accepts asynchronously: wait (bounded) for both server-side sockets.
            var accepted: [(port: UInt16, noDelay: Int32)] = []
            for _ in 0..<200 where accepted.count < ports.count {
                accepted = Self.serverSideSockets(ports: ports, excluding: Set(clients))
                if accepted.count < ports.count { usleep(10_000) }
            }
            #expect(accepted.count == ports.count)
            #expect(accepted.allSatisfy { $0.noDelay == 1 }, "\(accepted)")
        }

        /// This process's accepted (not listening) TCP sockets whose local port is one of `ports`.
        static func serverSideSockets(ports: Set<UInt16>, excluding: Set<Int32>) -> [(port: UInt16, noDelay: Int32)] {
            guard let directory = opendir("/proc/self/fd") else { return [] }
            defer { closedir(directory) }
            var found: [(port: UInt16, noDelay: Int32)] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard let descriptor = Int32(name), !excluding.contains(descriptor) else { continue }
                var address = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let named = withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
                }
                guard named == 0, address.sin_family == sa_family_t(AF_INET) else { continue }
                let port = UInt16(bigEndian: address.sin_port)
                var listening: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                guard ports.contains(port), getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening == 0
                else { continue }
                var noDelay: Int32 = 0
                size = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &size)
                found.append((port, noDelay))
            }
            return found
        }
    }
#endif
