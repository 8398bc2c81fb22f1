import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Asks every bridge replica which webhook ids it has loaded (`GET /webhooks` on the
/// management port). A management URL's host name is resolved to all its addresses and each
/// is asked directly: behind a Kubernetes headless Service (the chart's `<release>-management`,
/// which publishes not-ready pods too) that is one address per pod. A name that resolves to
/// one address (a ClusterIP Service, a port-forward) would hide the other replicas: give
/// ``expectedReplicas`` so that too few addresses is never taken for "all".
public struct BridgeReplicaProbe: Sendable {
    /// The management URLs, e.g. `http://malomo-bridge-management-headless:9090`.
    public var managementURLs: [URL]
    /// The longest one replica may take to answer. Default: 5 s.
    public var timeout: Duration = .seconds(5)
    /// How many replicas there must be, at least; `nil`: whatever the names resolve to.
    public var expectedReplicas: Int?

    /// Creates a probe.
    public init(managementURLs: [URL]) {
        self.managementURLs = managementURLs
    }

    /// One replica's answer.
    public struct Replica: Sendable {
        /// The address asked, as `host:port`.
        public var address: String
        /// The loaded webhook ids; `nil` when the replica did not answer usefully.
        public var webhookIDs: Set<String>?
        /// Why not, when it did not.
        public var problem: String?
    }

    /// Every replica's loaded ids.
    /// - Throws: ``AdminError`` when a host name resolves to no address, or to fewer than
    ///   ``expectedReplicas`` in all.
    public func replicas() async throws(AdminError) -> [Replica] {
        var replicas: [Replica] = []
        for url in self.managementURLs {
            guard let host = url.host, let scheme = url.scheme else { throw AdminError("--bridge-management '\(url)' has no host") }
            let port = url.port ?? (scheme == "https" ? 443 : 80)
            let addresses = try Self.resolve(host: host, port: port)
            for address in addresses {
                let authority = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
                guard let target = URL(string: "\(scheme)://\(authority)\(url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path)/webhooks")
                else {
                    throw AdminError("--bridge-management '\(url)': no URL can be made for the address \(authority)")
                }
                replicas.append(await self.ask(target, address: authority))
            }
        }
        let expected = max(1, self.expectedReplicas ?? 1)
        guard replicas.count >= expected else {
            throw AdminError(
                "--bridge-management resolves to \(replicas.count) addresses, fewer than the \(expected) replicas expected (--expect-replicas)"
            )
        }
        return replicas
    }

    private func ask(_ url: URL, address: String) async -> Replica {
        let timeout = self.timeout
        let request = URLRequest(url: url, timeoutInterval: MalomoAPIClient.seconds(timeout))
        do {
            let (data, response) = try await withThrowingTaskGroup(of: (Data, URLResponse).self) { group in
                group.addTask { try await URLSession.shared.data(for: request) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw URLError(.timedOut)
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                return Replica(
                    address: address,
                    problem: "answered \((response as? HTTPURLResponse)?.statusCode ?? 0) (a bridge older than /webhooks?)"
                )
            }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let ids = object["webhook_ids"] as? [String] else {
                return Replica(address: address, problem: "answered without webhook_ids")
            }
            return Replica(address: address, webhookIDs: Set(ids))
        } catch {
            return Replica(address: address, problem: "no answer within \(timeout)")
        }
    }

    /// Every address of `host` (IPv4 and IPv6), deduplicated, in the resolver's order.
    static func resolve(host: String, port: Int) throws(AdminError) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw AdminError("the bridge management host '\(host)' does not resolve: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            switch entry.pointee.ai_family {
            case AF_INET:
                entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
                }
            case AF_INET6:
                entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var address = pointer.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
                }
            default: break
            }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.isEmpty, !addresses.contains(text) { addresses.append(text) }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }
}
