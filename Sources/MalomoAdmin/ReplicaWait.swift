/// Waits until every bridge replica lists some webhook ids as loaded.
struct ReplicaWait {
    let probe: BridgeReplicaProbe
    let timeout: Duration
    var pollInterval: Duration = .seconds(1)
    let say: @Sendable (String) -> Void

    /// - Throws: ``AdminError`` naming the replicas still missing an id after `timeout`.
    func until(loaded ids: Set<String>) async throws {
        let deadline = ContinuousClock.now + self.timeout
        var missing: [String] = []
        while true {
            do {
                let replicas = try await self.probe.replicas()
                let lacking = replicas.filter { !ids.isSubset(of: $0.webhookIDs ?? []) }
                if lacking.isEmpty {
                    self.say(
                        "loaded       \(ids.sorted().joined(separator: ", ")) by all \(replicas.count) bridge replicas (\(replicas.map(\.address).joined(separator: ", ")))"
                    )
                    return
                }
                missing = lacking.map { "\($0.address)\($0.problem.map { " (\($0))" } ?? " (not loaded yet)")" }
            } catch {
                // A name that does not resolve right now (a DNS blip): try again until the deadline.
                missing = ["\(error)"]
            }
            guard ContinuousClock.now + self.pollInterval < deadline else {
                throw AdminError(
                    "after \(self.timeout), not every bridge replica has loaded \(ids.sorted().joined(separator: ", ")): \(missing.joined(separator: ", "))"
                )
            }
            try await Task.sleep(for: self.pollInterval)
        }
    }
}
