import MalomoContract
import MalomoWebhookCore
import Testing

/// The bridge computes event ids with swift-crypto's SHA-256, consumers (and the contract's
/// tests against published vectors) with the contract's own: both must give the same id.
@Suite struct CryptoEventIDHashTests {
    @Test func givesTheContractsIDForEveryLengthAroundTheBlockBoundaries() {
        // Deterministic bytes (a 64-bit LCG), so a failure names an input that reproduces.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in 0...300 {
            let body = (0..<length).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            for topic in [nil, "", "orders:created", String(repeating: "x", count: length % 70)] {
                let fast = body.withUnsafeBytes { MalomoEventID.of(topic: topic, body: $0, using: CryptoEventIDHash.self) }
                let contract = body.withUnsafeBytes { MalomoEventID.of(topic: topic, body: $0, using: MalomoContract.SHA256.self) }
                #expect(fast == contract, "length \(length), topic \(topic ?? "nil")")
                #expect(MalomoEventID.isWellFormed(fast))
            }
        }
    }

    @Test func matchesAPublishedVector() {
        // SHA-256("abc") (FIPS 180-4): the topic "ab" and the body "c" would hash "ab\nc", so the
        // vector is checked through the hasher itself.
        var hasher = CryptoEventIDHash()
        Array("abc".utf8).withUnsafeBytes { hasher.update($0) }
        var digest = [UInt8](repeating: 0, count: 32)
        digest.withUnsafeMutableBytes { hasher.finalize(into: $0) }
        let hex = digest.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func theRoutersIDIsTheContracts() {
        let body = Array(#"{"id":"c2a7"}"#.utf8)
        let record = body.withUnsafeBytes {
            WebhookRouter().record(
                body: $0,
                malomoTopic: "orders:created",
                webhookID: nil,
                attemptNumber: nil,
                receivedAt: "2026-12-02T00:00:00.000Z"
            )
        }
        #expect(record.eventID == MalomoEventID.of(topic: "orders:created", body: body))
    }
}
