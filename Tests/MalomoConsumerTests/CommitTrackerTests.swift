import KafkaWire
import Testing

@testable import MalomoConsumer

@Suite struct CommitTrackerTests {
    let p0 = KafkaTopicPartition(topic: "malomo.orders.created", partition: 0)
    let p1 = KafkaTopicPartition(topic: "malomo.orders.created", partition: 1)

    func position(_ partition: KafkaTopicPartition, _ offset: Int64) -> KafkaCommitPosition {
        KafkaCommitPosition(topic: partition.topic, partition: partition.partition, offset: offset)
    }

    @Test func aCommitNeverPassesAnUnprocessedRecord() {
        var tracker = CommitTracker()
        for offset in 0...3 { tracker.delivered(self.p0, offset: Int64(offset)) }
        let marked1 = tracker.processed(self.p0, offset: 0)
        #expect(marked1)
        // 1 failed and was never marked; 2 and 3 were processed after it.
        let marked2 = tracker.processed(self.p0, offset: 2)
        #expect(marked2)
        let marked3 = tracker.processed(self.p0, offset: 3)
        #expect(marked3)
        #expect(tracker.positions() == [self.position(self.p0, 0)])
        let marked4 = tracker.processed(self.p0, offset: 1)
        #expect(marked4)
        #expect(tracker.positions() == [self.position(self.p0, 3)])
    }

    @Test func positionsAreKeptUntilTheirCommitSucceeded() {
        var tracker = CommitTracker()
        tracker.delivered(self.p0, offset: 5)
        tracker.processed(self.p0, offset: 5)
        let positions = tracker.positions()
        #expect(positions == [self.position(self.p0, 5)])
        // The commit failed: nothing recorded, the same positions are still due.
        #expect(tracker.positions() == positions)
        #expect(tracker.uncommitted == 1)
        tracker.committed(positions)
        #expect(tracker.positions().isEmpty)
        #expect(tracker.uncommitted == 0)
    }

    @Test func revokedPartitionsAreHandedOverThenForgotten() {
        var tracker = CommitTracker()
        for partition in [self.p0, self.p1] {
            tracker.delivered(partition, offset: 7)
            tracker.delivered(partition, offset: 8)
            tracker.processed(partition, offset: 7)
        }
        #expect(tracker.revoke([self.p0]) == [self.position(self.p0, 7)])
        // A late mark for the revoked partition changes nothing, and nothing of it is committed again.
        let marked5 = tracker.processed(self.p0, offset: 8)
        #expect(!marked5)
        #expect(tracker.positions() == [self.position(self.p1, 7)])
        #expect(tracker.outstandingCount == 1)
    }

    @Test func skippedRecordsCountAsProcessedAndMarksAreNotDoubleCounted() {
        var tracker = CommitTracker()
        tracker.skipped(self.p0, offset: 0)
        tracker.delivered(self.p0, offset: 1)
        let marked6 = tracker.processed(self.p0, offset: 1)
        #expect(marked6)
        let marked7 = tracker.processed(self.p0, offset: 1)
        #expect(!marked7, "marked twice")
        #expect(tracker.uncommitted == 2)
        #expect(tracker.positions() == [self.position(self.p0, 1)])
    }
}
