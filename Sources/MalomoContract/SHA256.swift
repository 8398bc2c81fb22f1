/// SHA-256 (FIPS 180-4) in plain Swift, so the contract needs nothing beyond the standard
/// library. It computes event ids only: nothing secret passes through it (the bridge's HMAC
/// uses swift-crypto), so it need not be constant-time. Allocation-free.
public struct SHA256: Sendable {
    private var h0: UInt32 = 0x6a09_e667
    private var h1: UInt32 = 0xbb67_ae85
    private var h2: UInt32 = 0x3c6e_f372
    private var h3: UInt32 = 0xa54f_f53a
    private var h4: UInt32 = 0x510e_527f
    private var h5: UInt32 = 0x9b05_688c
    private var h6: UInt32 = 0x1f83_d9ab
    private var h7: UInt32 = 0x5be0_cd19
    /// The partial block: 64 bytes, inline.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    /// A hasher with nothing hashed yet.
    public init() {}

    /// Hashes more bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        self.totalBytes &+= UInt64(bytes.count)
        var index = 0
        if self.blockCount > 0 {
            let take = min(64 - self.blockCount, bytes.count)
            let offset = self.blockCount
            withUnsafeMutableBytes(of: &self.block) { block in
                for i in 0..<take { block[offset + i] = bytes[i] }
            }
            self.blockCount += take
            index = take
            if self.blockCount == 64 {
                let copy = self.block
                withUnsafeBytes(of: copy) { self.compress($0) }
                self.blockCount = 0
            }
        }
        while bytes.count - index >= 64 {
            self.compress(UnsafeRawBufferPointer(rebasing: bytes[index..<index + 64]))
            index += 64
        }
        if index < bytes.count {
            let rest = bytes.count - index
            withUnsafeMutableBytes(of: &self.block) { block in
                for i in 0..<rest { block[i] = bytes[index + i] }
            }
            self.blockCount = rest
        }
    }

    /// Hashes one byte.
    public mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { self.update($0) }
    }

    /// Finishes and returns the 32-byte digest written into `output` (which must hold 32 bytes).
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= 32, "a SHA-256 digest is 32 bytes")
        let bitLength = self.totalBytes &* 8
        var padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &padding) { $0[0] = 0x80 }
        let padLength = self.blockCount < 56 ? 56 - self.blockCount : 120 - self.blockCount
        withUnsafeBytes(of: &padding) { self.updateWithoutCounting(UnsafeRawBufferPointer(rebasing: $0[0..<padLength])) }
        withUnsafeBytes(of: bitLength.bigEndian) { self.updateWithoutCounting($0) }
        precondition(self.blockCount == 0)
        func store(_ word: UInt32, at i: Int) {
            output[i * 4] = UInt8(truncatingIfNeeded: word >> 24)
            output[i * 4 + 1] = UInt8(truncatingIfNeeded: word >> 16)
            output[i * 4 + 2] = UInt8(truncatingIfNeeded: word >> 8)
            output[i * 4 + 3] = UInt8(truncatingIfNeeded: word)
        }
        store(self.h0, at: 0)
        store(self.h1, at: 1)
        store(self.h2, at: 2)
        store(self.h3, at: 3)
        store(self.h4, at: 4)
        store(self.h5, at: 5)
        store(self.h6, at: 6)
        store(self.h7, at: 7)
    }

    /// Finishes and returns the digest as 64 lowercase hexadecimal digits.
    public mutating func finalizeHex() -> String {
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { self.finalize(into: $0) }
        return withUnsafeBytes(of: digest) { MalomoEventID.lowercaseHex($0) }
    }

    /// The digest of `bytes`, as 64 lowercase hexadecimal digits.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    private mutating func updateWithoutCounting(_ bytes: UnsafeRawBufferPointer) {
        let total = self.totalBytes
        self.update(bytes)
        self.totalBytes = total
    }

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private mutating func compress(_ chunk: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                w[i] =
                    UInt32(chunk[i * 4]) << 24 | UInt32(chunk[i * 4 + 1]) << 16 | UInt32(chunk[i * 4 + 2]) << 8
                    | UInt32(chunk[i * 4 + 3])
            }
            for i in 16..<64 {
                let s0 = w[i - 15].rotatedRight(7) ^ w[i - 15].rotatedRight(18) ^ (w[i - 15] >> 3)
                let s1 = w[i - 2].rotatedRight(17) ^ w[i - 2].rotatedRight(19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = self.h0
            var b = self.h1
            var c = self.h2
            var d = self.h3
            var e = self.h4
            var f = self.h5
            var g = self.h6
            var h = self.h7
            Self.k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                    let choice = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ choice &+ k[i] &+ w[i]
                    let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ majority
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
            }
            self.h0 &+= a
            self.h1 &+= b
            self.h2 &+= c
            self.h3 &+= d
            self.h4 &+= e
            self.h5 &+= f
            self.h6 &+= g
            self.h7 &+= h
        }
    }
}

extension UInt32 {
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
}
