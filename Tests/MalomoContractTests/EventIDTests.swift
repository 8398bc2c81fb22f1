import Crypto
import MalomoContract
import Testing

@Suite struct EventIDTests {
    /// swift-crypto's SHA-256 as the reference for the contract's own.
    func reference(_ bytes: [UInt8]) -> String {
        SHA256Reference.hash(data: bytes).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    @Test func sha256KnownVectors() {
        #expect(
            MalomoContract.SHA256.hex(UnsafeRawBufferPointer(start: nil, count: 0))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        let abc = Array("abc".utf8)
        #expect(abc.withUnsafeBytes { MalomoContract.SHA256.hex($0) } == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(long.withUnsafeBytes { MalomoContract.SHA256.hex($0) } == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func sha256AgreesWithSwiftCryptoAtEveryLengthAndSplit() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = self.reference(bytes)
            #expect(bytes.withUnsafeBytes { MalomoContract.SHA256.hex($0) } == expected, "length \(length)")
            // Fed in two pieces split anywhere, the digest is the same.
            let split = length == 0 ? 0 : Int.random(in: 0...length, using: &generator)
            var hasher = MalomoContract.SHA256()
            bytes[..<split].withUnsafeBytes { hasher.update($0) }
            bytes[split...].withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalizeHex() == expected, "length \(length) split at \(split)")
            // Fed one byte at a time, as MalomoEventID feeds its separator.
            var bytewise = MalomoContract.SHA256()
            for byte in bytes { bytewise.update(byte: byte) }
            #expect(bytewise.finalizeHex() == expected, "length \(length) byte by byte")
        }
    }

    @Test func eventIDCoversTopicThenLineFeedThenBody() {
        let body = Array(#"{"id":"c_1","email":"a@example.com"}"#.utf8)
        #expect(MalomoEventID.of(topic: "customers:updated", body: body) == self.reference(Array("customers:updated\n".utf8) + body))
        #expect(MalomoEventID.of(topic: nil, body: body) == self.reference([0x0A] + body))
        #expect(MalomoEventID.of(topic: "", body: body) == MalomoEventID.of(topic: nil, body: body))
    }

    @Test func sameBodyUnderThreeTopicsGivesThreeIDs() {
        let body = Array(#"{"id":"c_1"}"#.utf8)
        let ids = Set(["customers:created", "customers:updated", "customers:deleted"].map { MalomoEventID.of(topic: $0, body: body) })
        #expect(ids.count == 3)
        #expect(ids.allSatisfy(MalomoEventID.isWellFormed))
        // A retry resends topic and body: the same id.
        #expect(MalomoEventID.of(topic: "customers:created", body: body) == MalomoEventID.of(topic: "customers:created", body: body))
    }
}

/// swift-crypto's SHA-256, named apart from the contract's.
typealias SHA256Reference = Crypto.SHA256
