import CLibrdkafka
import Testing

@testable import KafkaWire

/// librdkafka's delivery-report callback turned into a send's outcome, fed messages as librdkafka
/// hands them over (the mock broker's offset −1001 ack cannot be provoked on demand).
@Suite struct DeliveryReportCallbackTests {
    /// Runs the callback on one synthetic message and returns what the waiting send gets.
    static func deliver(error: rd_kafka_resp_err_t, offset: Int64, partition: Int32 = 2) async -> Result<KafkaDeliveryReport, any Error> {
        let result = await withUnsafeContinuation { (continuation: KafkaDeliveryWait.Continuation) in
            let wait = KafkaDeliveryWait()
            #expect(wait.begin(topic: "wire.report", continuation: continuation))
            var message = rd_kafka_message_t()
            message.err = error
            message.partition = partition
            message.offset = offset
            message._private = Unmanaged.passRetained(wait).toOpaque()
            withUnsafePointer(to: &message) { rdKafkaDeliveryReportCallback(nil, $0, nil) }
        }
        return result.mapError { $0 }
    }

    /// A caller's deadline ends the wait at once; the report that comes later is dropped, and
    /// the callback still releases the wait (exactly once: it is gone afterwards).
    @Test func anAbandonedWaitThrowsAtOnceAndItsLateReportIsDropped() async throws {
        weak var released: KafkaDeliveryWait?
        let result: Result<KafkaDeliveryReport, any Error>
        do {
            let wait = KafkaDeliveryWait()
            released = wait
            let retained = Unmanaged.passRetained(wait)  // what the producer hands librdkafka
            result = await withUnsafeContinuation { (continuation: KafkaDeliveryWait.Continuation) in
                #expect(wait.begin(topic: "wire.report", continuation: continuation))
                wait.abandon()
                wait.abandon()  // a second deadline firing is harmless
            }
            .mapError { $0 }
            // The late delivery report: the callback takes the retained reference and drops it.
            var message = rd_kafka_message_t()
            message.err = RD_KAFKA_RESP_ERR_NO_ERROR
            message.offset = 7
            message._private = retained.toOpaque()
            withUnsafePointer(to: &message) { rdKafkaDeliveryReportCallback(nil, $0, nil) }
        }
        guard case .failure(let error) = result else {
            Issue.record("an abandoned wait returned \(result)")
            return
        }
        #expect((error as? KafkaError)?.code == .messageTimedOut)
        #expect(released == nil, "the wait was not released by the callback")
    }

    /// A deadline that fires before the send began waiting makes it throw as soon as it does.
    @Test func aWaitAbandonedBeforeItBeganRefusesToBegin() async {
        let wait = KafkaDeliveryWait()
        wait.abandon()
        var began = true
        _ = await withUnsafeContinuation { (continuation: KafkaDeliveryWait.Continuation) in
            began = wait.begin(topic: "wire.report", continuation: continuation)
            if !began { continuation.resume(returning: .failure(KafkaDeliveryWait.abandonedError)) }
        }
        #expect(!began)
    }

    @Test func anAcknowledgementWithAnOffsetIsTheReport() async throws {
        let report = try await Self.deliver(error: RD_KAFKA_RESP_ERR_NO_ERROR, offset: 41).get()
        #expect(report.topic == "wire.report" && report.partition == 2 && report.offset == 41)
        let first = try await Self.deliver(error: RD_KAFKA_RESP_ERR_NO_ERROR, offset: 0).get()
        #expect(first.offset == 0)
    }

    /// "Delivered" at offset −1001 (`RD_KAFKA_OFFSET_INVALID`) or any negative offset is not proof
    /// that the record is in the log: the send fails `unconfirmed`, so the bridge answers 503.
    @Test(arguments: [Int64(-1001), -1, Int64.min])
    func anAcknowledgementWithoutAnOffsetIsUnconfirmed(offset: Int64) async throws {
        let result = await Self.deliver(error: RD_KAFKA_RESP_ERR_NO_ERROR, offset: offset)
        guard case .failure(let error) = result else {
            Issue.record("offset \(offset) was reported delivered: \(result)")
            return
        }
        let kafkaError = try #require(error as? KafkaError)
        #expect(kafkaError.code == .unconfirmed && kafkaError.label == "unconfirmed")
    }

    @Test func aDeliveryErrorKeepsItsCode() async throws {
        let result = await Self.deliver(error: RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, offset: -1001)
        guard case .failure(let error) = result else {
            Issue.record("a timed-out message was reported delivered")
            return
        }
        #expect((error as? KafkaError)?.code == .messageTimedOut)
    }
}
