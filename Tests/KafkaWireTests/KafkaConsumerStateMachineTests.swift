import Testing

@testable import KafkaWire

/// The consumer's lifecycle: which requests the thread still takes in each state.
@Suite struct KafkaConsumerStateMachineTests {
    @Test func requestsAreServedInOrderWhileReading() {
        var machine = KafkaConsumerStateMachine<String>()
        let first = machine.enqueue("poll", isPoll: true)
        let second = machine.enqueue("commit", isPoll: false)
        #expect(first && second)
        #expect(!machine.pollsEnd)
        let taken = [machine.next(), machine.next(), machine.next()]
        #expect(taken == ["poll", "commit", nil])
    }

    @Test func stopReadingEndsPollsButKeepsCommits() {
        var machine = KafkaConsumerStateMachine<String>()
        machine.stopReading()
        #expect(machine.pollsEnd)
        let commit = machine.enqueue("commit", isPoll: false)
        #expect(commit, "processed offsets can still be committed before close")
    }

    @Test func closeRefusesNewPollsThenFinishHandsBackTheRest() {
        var machine = KafkaConsumerStateMachine<String>()
        let queued = machine.enqueue("commit", isPoll: false)
        #expect(queued)
        let began = machine.beginClose()
        #expect(began)
        let again = machine.beginClose()
        #expect(!again, "a second close only waits for the thread")
        let poll = machine.enqueue("poll", isPoll: true)
        #expect(!poll, "no poll starts after close()")
        let close = machine.enqueue("close", isPoll: false)
        #expect(close)
        let rest = machine.finish()
        #expect(rest == ["commit", "close"])
        let late = machine.enqueue("commit", isPoll: false)
        #expect(!late, "after the thread ended every request is answered at once")
        #expect(machine.pollsEnd)
    }
}
