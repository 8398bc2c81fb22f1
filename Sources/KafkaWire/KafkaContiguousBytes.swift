/// Bytes that can be read in place, so a record's value reaches librdkafka (which copies it
/// once) without an intermediate array. `[UInt8]` conforms; the bridge adds NIO's `ByteBuffer`.
public protocol KafkaContiguousBytes {
    /// Calls `body` with the bytes; the pointer is valid only during the call.
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result
}

extension Array: KafkaContiguousBytes where Element == UInt8 {}
