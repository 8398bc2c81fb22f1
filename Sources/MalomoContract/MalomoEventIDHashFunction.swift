/// An implementation of SHA-256 that event ids may be computed with
/// (``MalomoEventID/of(topic:body:using:)``). The contract's own ``SHA256`` (standard library
/// only) is one; the bridge passes swift-crypto's. Every implementation gives the same id.
public protocol MalomoEventIDHashFunction {
    /// A hasher with nothing hashed yet.
    init()

    /// Hashes more bytes.
    mutating func update(_ bytes: UnsafeRawBufferPointer)

    /// Finishes and writes the 32-byte digest into `output` (which holds at least 32 bytes).
    mutating func finalize(into output: UnsafeMutableRawBufferPointer)
}

extension SHA256: MalomoEventIDHashFunction {}
