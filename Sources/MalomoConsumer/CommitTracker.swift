import KafkaWire

/// The commit rule of ``MalomoEventConsumer``, as a value: which offsets may be committed.
///
/// - A record handed to the application is *outstanding* until it is marked processed.
/// - A partition's commit never passes its first outstanding record: offsets are committed
///   only up to the record before it, however many later records were processed.
/// - Positions are forgotten only once their commit succeeded (a failed commit is retried).
/// - When partitions are revoked, their positions are handed over for a last commit and then
///   forgotten, as are their outstanding records (a mark for one of them is then ignored), so a
///   position from before a rebalance never moves the new owner's offset back.
struct CommitTracker: Sendable {
    private var outstanding: [KafkaTopicPartition: Set<Int64>] = [:]
    private var processed: [KafkaTopicPartition: Int64] = [:]
    private var committed: [KafkaTopicPartition: Int64] = [:]
    /// Records marked processed (or skipped) since the last successful commit.
    private(set) var uncommitted = 0

    /// A record was handed to the application (or is being dead-lettered).
    mutating func delivered(_ partition: KafkaTopicPartition, offset: Int64) {
        self.outstanding[partition, default: []].insert(offset)
    }

    /// An outstanding record was processed. Returns `false`, changing nothing, when it is not
    /// outstanding (marked twice, or its partition was revoked since).
    @discardableResult
    mutating func processed(_ partition: KafkaTopicPartition, offset: Int64) -> Bool {
        guard self.outstanding[partition]?.remove(offset) != nil else { return false }
        self.advance(partition, to: offset)
        return true
    }

    /// A record the application never sees (a duplicate) counts as processed at once.
    mutating func skipped(_ partition: KafkaTopicPartition, offset: Int64) {
        self.advance(partition, to: offset)
    }

    private mutating func advance(_ partition: KafkaTopicPartition, to offset: Int64) {
        self.processed[partition] = max(self.processed[partition] ?? -1, offset)
        self.uncommitted += 1
    }

    /// What may be committed now and was not yet: per partition, the highest processed offset
    /// below its first outstanding record.
    func positions() -> [KafkaCommitPosition] {
        self.processed.compactMap { partition, highest in
            let limit = self.outstanding[partition]?.min().map { $0 - 1 } ?? highest
            let position = min(highest, limit)
            guard position >= 0, position > (self.committed[partition] ?? -1) else { return nil }
            return KafkaCommitPosition(topic: partition.topic, partition: partition.partition, offset: position)
        }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// `positions` were committed.
    mutating func committed(_ positions: [KafkaCommitPosition]) {
        for position in positions {
            let partition = KafkaTopicPartition(topic: position.topic, partition: position.partition)
            self.committed[partition] = max(self.committed[partition] ?? -1, position.offset)
        }
        self.uncommitted = self.positions().isEmpty ? 0 : self.uncommitted
    }

    /// Partitions are being revoked: returns what may still be committed of them, and forgets
    /// everything about them.
    mutating func revoke(_ partitions: [KafkaTopicPartition]) -> [KafkaCommitPosition] {
        let revoked = Set(partitions)
        let last = self.positions().filter { revoked.contains(KafkaTopicPartition(topic: $0.topic, partition: $0.partition)) }
        for partition in revoked {
            self.outstanding[partition] = nil
            self.processed[partition] = nil
            self.committed[partition] = nil
        }
        if self.positions().isEmpty { self.uncommitted = 0 }
        return last
    }

    /// Records handed out and not yet marked processed.
    var outstandingCount: Int { self.outstanding.values.reduce(0) { $0 + $1.count } }
}
