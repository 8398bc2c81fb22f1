/// Parses the `Malomo-Signature` header: 64 hexadecimal digits in either case (the 32-byte
/// HMAC-SHA256), surrounding spaces and tabs ignored. No Crypto here, so the parser can be
/// fuzzed on its own.
public enum SignatureHeader {
    /// The digest bytes, or `nil` when the header is not 64 hex digits.
    public static func digest(_ text: String) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        while let last = utf8.last, last == 0x20 || last == 0x09 { utf8.removeLast() }
        var start = 0
        while start < utf8.count, utf8[start] == 0x20 || utf8[start] == 0x09 { start += 1 }
        guard utf8.count - start == 64 else { return nil }
        var result = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = Hex.value(utf8[start + 2 * index]), let low = Hex.value(utf8[start + 2 * index + 1]) else {
                return nil
            }
            result[index] = high << 4 | low
        }
        return result
    }
}
