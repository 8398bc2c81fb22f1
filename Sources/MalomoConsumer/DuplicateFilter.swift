/// Remembers recently seen event ids, with bounded memory and a time to live.
///
/// Not thread-safe on its own: ``MalomoEventConsumer`` uses it from one task.
public struct DuplicateFilter: Sendable {
    /// Limits of the filter.
    public struct Configuration: Sendable, Hashable {
        /// Ids remembered at most; the oldest is forgotten first. Default: 100 000.
        public var capacity: Int
        /// How long an id is remembered. Default: 24 h (Malomo retries for up to a day).
        public var timeToLive: Duration

        public init(capacity: Int = 100_000, timeToLive: Duration = .seconds(24 * 3600)) {
            precondition(capacity > 0, "capacity must be positive")
            self.capacity = capacity
            self.timeToLive = timeToLive
        }
    }

    private let configuration: Configuration
    private var expiries: [String: ContinuousClock.Instant] = [:]
    private var order: [(id: String, expiry: ContinuousClock.Instant)] = []
    private var head = 0

    /// Creates an empty filter.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// How many ids are remembered.
    public var count: Int { self.expiries.count }

    /// Records `id` and says whether it was already seen (and not expired).
    public mutating func isDuplicate(_ id: String, now: ContinuousClock.Instant = .now) -> Bool {
        if self.contains(id, now: now) { return true }
        self.remember(id, now: now)
        return false
    }

    /// Whether `id` was remembered and has not expired.
    public mutating func contains(_ id: String, now: ContinuousClock.Instant = .now) -> Bool {
        self.evict(now: now)
        if let expiry = self.expiries[id], expiry > now { return true }
        return false
    }

    /// Remembers `id` for the time to live (from now), if it is not remembered already.
    public mutating func remember(_ id: String, now: ContinuousClock.Instant = .now) {
        guard !self.contains(id, now: now) else { return }
        let expiry = now + self.configuration.timeToLive
        self.expiries[id] = expiry
        self.order.append((id, expiry))
        while self.expiries.count > self.configuration.capacity { self.dropOldest() }
    }

    private mutating func evict(now: ContinuousClock.Instant) {
        while self.head < self.order.count, self.order[self.head].expiry <= now { self.dropOldest() }
    }

    private mutating func dropOldest() {
        let oldest = self.order[self.head]
        self.head += 1
        if self.expiries[oldest.id] == oldest.expiry { self.expiries[oldest.id] = nil }
        if self.head > 1024 && self.head * 2 > self.order.count {
            self.order.removeFirst(self.head)
            self.head = 0
        }
    }
}
