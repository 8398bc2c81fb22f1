import Crypto
import MalomoContract

/// swift-crypto's SHA-256 for event ids: BoringSSL's, on the CPU's SHA instructions where it
/// has them. The contract's plain-Swift ``MalomoContract/SHA256`` gives the same ids; at
/// 2,000 webhooks a second it was the bridge's hottest function (about a fifth of its CPU,
/// docs/benchmarks.md), over seven times the cost of the HMAC over the same body.
public struct CryptoEventIDHash: MalomoEventIDHashFunction {
    private var hasher = Crypto.SHA256()

    /// A hasher with nothing hashed yet.
    public init() {}

    /// Hashes more bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        self.hasher.update(bufferPointer: bytes)
    }

    /// Finishes and writes the 32-byte digest into `output`.
    public mutating func finalize(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= 32, "a SHA-256 digest is 32 bytes")
        self.hasher.finalize().withUnsafeBytes { output.copyMemory(from: $0) }
    }
}
