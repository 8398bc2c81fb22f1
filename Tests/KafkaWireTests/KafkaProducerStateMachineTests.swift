import Testing

@testable import KafkaWire

/// The producer's lifecycle transitions, each interleaving of a send's enqueue with shutdown
/// (the real ones are microseconds apart, so a race test meets them only by chance).
@Suite struct KafkaProducerStateMachineTests {

    @Test func shutdownWithNothingEnqueuingStopsThePollThreadAtOnce() {
        var machine = KafkaProducerStateMachine()
        guard case .stopPollThread = machine.beginShutdown() else {
            Issue.record("an idle producer must stop its poll thread at once")
            return
        }
        let step1 = machine.beginEnqueue()
        #expect(!step1, "a send after shutdown began is refused")
        guard case .joinOnly = machine.beginShutdown() else {
            Issue.record("a second shutdown only joins")
            return
        }
    }

    @Test func shutdownWaitsForTheSendsEnqueuingAndTheLastOneResumesIt() async {
        var machine = KafkaProducerStateMachine()
        let step2 = machine.beginEnqueue()
        #expect(step2)
        let step3 = machine.beginEnqueue()
        #expect(step3)
        guard case .waitForSends = machine.beginShutdown() else {
            Issue.record("shutdown must wait for the two sends enqueuing")
            return
        }
        let step4 = machine.beginEnqueue()
        #expect(!step4, "no send slips in while shutdown waits")
        guard case .joinOnly = machine.beginShutdown() else {
            Issue.record("a second shutdown only joins")
            return
        }
        var machineCopy = machine
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let step5 = machineCopy.waitForDrain(continuation)
            #expect(step5)
            let step6 = machineCopy.endEnqueue()
            #expect(step6 == nil, "the first of two sends does not end the drain")
            let drained = machineCopy.endEnqueue()
            #expect(drained != nil, "the last send resumes the shutdown")
            drained?.resume()
        }
        machine = machineCopy
        let step7 = machine.beginEnqueue()
        #expect(!step7)
    }

    /// The sends drained between beginShutdown and waitForDrain: the shutdown goes on at once.
    @Test func sendsThatDrainBeforeTheShutdownParksLetItGoOn() async {
        var machine = KafkaProducerStateMachine()
        let step8 = machine.beginEnqueue()
        #expect(step8)
        guard case .waitForSends = machine.beginShutdown() else {
            Issue.record("shutdown must wait for the send enqueuing")
            return
        }
        let step9 = machine.endEnqueue()
        #expect(step9 == nil, "nobody is parked yet")
        var parked = true
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            parked = machine.waitForDrain(continuation)
            if !parked { continuation.resume() }
        }
        #expect(!parked)
    }

    @Test func sendsWhileRunningCountUpAndDown() {
        var machine = KafkaProducerStateMachine()
        for _ in 0..<3 {
            let began = machine.beginEnqueue()
            #expect(began)
        }
        for _ in 0..<3 {
            let drained = machine.endEnqueue()
            #expect(drained == nil)
        }
        guard case .stopPollThread = machine.beginShutdown() else {
            Issue.record("every send ended: nothing to wait for")
            return
        }
    }
}
