/// The one JSON grammar of the contract: a strict (RFC 8259), single-pass, allocation-free
/// scanner that checks a whole document and reports it to a ``JSONScanVisitor``.
///
/// The bridge's routing scan (which only picks out the top-level `"id"`) and the consumer
/// library's value parser are both visitors of this scanner, so they accept exactly the same
/// documents, with the same depth limit and the same error texts.
///
/// Checked: one value with optional whitespace around it; objects, arrays, the three literals;
/// numbers per the grammar (no leading zeros, `+`, `.5`, `NaN`…); strings with valid escapes,
/// paired surrogates, no raw control characters and valid UTF-8 (RFC 3629: no overlongs, no
/// surrogates, nothing past U+10FFFF). Duplicate member names are passed on as they come.
public struct JSONScanner {
    /// Nesting deeper than this is rejected, so hostile input cannot exhaust the stack.
    public static var maximumDepth: Int { 128 }

    /// A string as it appears between its quotes, already validated.
    public struct StringToken {
        /// The bytes between the quotes, escapes not yet resolved.
        public let raw: UnsafeRawBufferPointer
        /// Whether `raw` holds at least one backslash escape.
        public let hasEscapes: Bool

        @usableFromInline
        init(raw: UnsafeRawBufferPointer, hasEscapes: Bool) {
            self.raw = raw
            self.hasEscapes = hasEscapes
        }

        /// Whether the unescaped string equals `text`, without allocating when it has no escapes.
        @inlinable
        public func equals(_ text: StaticString) -> Bool {
            if !self.hasEscapes {
                guard self.raw.count == text.utf8CodeUnitCount else { return false }
                for i in 0..<self.raw.count where self.raw[i] != text.utf8Start[i] { return false }
                return true
            }
            return self.unescapedBytes() == Array(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        /// The unescaped UTF-8 bytes.
        @inlinable
        public func unescapedBytes() -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(self.raw.count)
            self.appendUnescaped(to: &out)
            return out
        }

        /// The unescaped text.
        @inlinable
        public var string: String {
            if !self.hasEscapes { return String(decoding: self.raw, as: UTF8.self) }
            return String(decoding: self.unescapedBytes(), as: UTF8.self)
        }

        /// Appends the unescaped UTF-8 bytes. The token was validated, so every escape is well-formed.
        @inlinable
        public func appendUnescaped(to out: inout [UInt8]) {
            var index = 0
            let bytes = self.raw
            while index < bytes.count {
                let byte = bytes[index]
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    index += 1
                    continue
                }
                let escaped = bytes[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = JSONScanner.hex4(bytes, index)
                    index += 4
                    if (0xD800...0xDBFF).contains(scalar) {
                        let low = JSONScanner.hex4(bytes, index + 2)
                        index += 6
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    JSONScanner.appendUTF8(scalar, to: &out)
                default: out.append(escaped)  // `"`, `\`, `/`
                }
            }
        }
    }

    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var index = 0

    @inlinable
    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Scans one document, reporting it to `visitor`.
    /// - Throws: ``JSONScanError`` at the first byte that breaks the grammar.
    @inlinable
    public static func scan<Visitor: JSONScanVisitor>(_ bytes: UnsafeRawBufferPointer, visitor: inout Visitor) throws(JSONScanError) {
        var scanner = JSONScanner(bytes: bytes)
        scanner.skipWhitespace()
        try scanner.value(depth: 0, visitor: &visitor)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw scanner.fail("unexpected data after the document") }
    }

    @inlinable
    func fail(_ reason: String) -> JSONScanError { JSONScanError(offset: self.index, reason: reason) }

    // The two hot loops below (`skipWhitespace`, `string`) keep the position in a local and
    // store it back once: written through `self` each byte, it cost a store and a reload of
    // the buffer's bounds per byte.

    @inlinable
    mutating func skipWhitespace() {
        let bytes = self.bytes
        var index = self.index
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index &+= 1
            default:
                self.index = index
                return
            }
        }
        self.index = index
    }

    @inlinable
    mutating func value<Visitor: JSONScanVisitor>(depth: Int, visitor: inout Visitor) throws(JSONScanError) {
        guard self.index < self.bytes.count else { throw self.fail("unexpected end of input") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): try self.object(depth: depth + 1, visitor: &visitor)
        case UInt8(ascii: "["): try self.array(depth: depth + 1, visitor: &visitor)
        case UInt8(ascii: "\""): visitor.string(try self.string())
        case UInt8(ascii: "t"):
            try self.literal("true")
            visitor.bool(true)
        case UInt8(ascii: "f"):
            try self.literal("false")
            visitor.bool(false)
        case UInt8(ascii: "n"):
            try self.literal("null")
            visitor.null()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = self.index
            let isInteger = try self.number()
            visitor.number(UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), isInteger: isInteger)
        default: throw self.fail("unexpected character")
        }
    }

    @inlinable
    mutating func object<Visitor: JSONScanVisitor>(depth: Int, visitor: inout Visitor) throws(JSONScanError) {
        guard depth <= JSONScanner.maximumDepth else { throw self.fail("nesting deeper than \(JSONScanner.maximumDepth)") }
        self.index += 1
        visitor.beginObject()
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            visitor.endObject()
            return
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.fail("expected a member name")
            }
            visitor.key(try self.string())
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else { throw self.fail("expected ':'") }
            self.index += 1
            self.skipWhitespace()
            try self.value(depth: depth, visitor: &visitor)
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.fail("unexpected end of input in an object") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                visitor.endObject()
                return
            default: throw self.fail("expected ',' or '}'")
            }
        }
    }

    @inlinable
    mutating func array<Visitor: JSONScanVisitor>(depth: Int, visitor: inout Visitor) throws(JSONScanError) {
        guard depth <= JSONScanner.maximumDepth else { throw self.fail("nesting deeper than \(JSONScanner.maximumDepth)") }
        self.index += 1
        visitor.beginArray()
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            visitor.endArray()
            return
        }
        while true {
            self.skipWhitespace()
            try self.value(depth: depth, visitor: &visitor)
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.fail("unexpected end of input in an array") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                visitor.endArray()
                return
            default: throw self.fail("expected ',' or ']'")
            }
        }
    }

    @inlinable
    mutating func literal(_ word: StaticString) throws(JSONScanError) {
        let count = word.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.fail("unexpected end of input") }
        for offset in 0..<count where self.bytes[self.index + offset] != word.utf8Start[offset] {
            throw self.fail("invalid literal")
        }
        self.index += count
    }

    @inlinable
    func isDigit(_ position: Int) -> Bool {
        position < self.bytes.count && self.bytes[position] >= UInt8(ascii: "0") && self.bytes[position] <= UInt8(ascii: "9")
    }

    /// Scans a number; returns whether it is an integer (no fraction, no exponent).
    @inlinable
    mutating func number() throws(JSONScanError) -> Bool {
        var isInteger = true
        if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        guard self.index < self.bytes.count else { throw self.fail("unexpected end of input in a number") }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
        } else if self.isDigit(self.index) {
            while self.isDigit(self.index) { self.index += 1 }
        } else {
            throw self.fail("invalid number")
        }
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
            isInteger = false
            self.index += 1
            guard self.isDigit(self.index) else { throw self.fail("invalid number") }
            while self.isDigit(self.index) { self.index += 1 }
        }
        if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            self.index += 1
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-") {
                self.index += 1
            }
            guard self.isDigit(self.index) else { throw self.fail("invalid number") }
            while self.isDigit(self.index) { self.index += 1 }
        }
        return isInteger
    }

    /// Scans a string starting at `"`, checking escapes and UTF-8.
    @inlinable
    mutating func string() throws(JSONScanError) -> StringToken {
        let bytes = self.bytes
        let start = self.index &+ 1
        var index = start
        var hasEscapes = false
        while index < bytes.count {
            // Eight plain bytes at a time; the byte-wise checks below take whatever is not.
            while index &+ 8 <= bytes.count, JSONScanner.isPlainASCII(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index &+= 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                index &+= 1
                continue
            }
            self.index = index
            switch byte {
            case UInt8(ascii: "\""):
                self.index = index &+ 1
                return StringToken(raw: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), hasEscapes: hasEscapes)
            case UInt8(ascii: "\\"):
                hasEscapes = true
                try self.escape()
                index = self.index
            case 0..<0x20:
                throw self.fail("control character in a string")
            default:  // 0x80 and above
                index &+= try self.utf8SequenceLength()
            }
        }
        self.index = index
        throw self.fail("unterminated string")
    }

    /// Whether all eight bytes of `word` may stand in a string as they are: printable ASCII
    /// other than `"` and `\\`. Each test finds whether *any* byte matches, with no false
    /// negatives (the borrows of the subtractions start only at a matching byte); the bytes are
    /// known to be below 0x80 before the last three run.
    @inlinable
    static func isPlainASCII(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        guard word & high == 0 else { return false }
        let control = (word &- ones &* 0x20) & ~word & high
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let quoteFound = (quote &- ones) & ~quote & high
        let backslashFound = (backslash &- ones) & ~backslash & high
        return control | quoteFound | backslashFound == 0
    }

    @inlinable
    mutating func escape() throws(JSONScanError) {
        self.index += 1
        guard self.index < self.bytes.count else { throw self.fail("unterminated escape") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            self.index += 1
            return
        case UInt8(ascii: "u"):
            self.index += 1
        default:
            throw self.fail("invalid escape")
        }
        let scalar = try self.checkedHex4()
        if (0xD800...0xDBFF).contains(scalar) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                self.bytes[self.index + 1] == UInt8(ascii: "u")
            else { throw self.fail("unpaired surrogate") }
            self.index += 2
            let low = try self.checkedHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw self.fail("unpaired surrogate") }
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw self.fail("unpaired surrogate")
        }
    }

    @inlinable
    mutating func checkedHex4() throws(JSONScanError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.fail("unterminated \\u escape") }
        for offset in 0..<4 where JSONScanner.hexValue(self.bytes[self.index + offset]) == nil {
            self.index += offset
            throw self.fail("invalid \\u escape")
        }
        let value = JSONScanner.hex4(self.bytes, self.index)
        self.index += 4
        return value
    }

    @inlinable
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Four hex digits already checked.
    @inlinable
    static func hex4(_ bytes: UnsafeRawBufferPointer, _ index: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 4 | (hexValue(bytes[index + offset]) ?? 0) }
        return value
    }

    @inlinable
    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Length of a valid UTF-8 sequence starting at `index` (a byte ≥ 0x80), per RFC 3629.
    @inlinable
    func utf8SequenceLength() throws(JSONScanError) -> Int {
        let first = self.bytes[self.index]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upperBound = 0x9F
        case 0xF0:
            length = 4
            lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upperBound = 0x8F
        default: throw self.fail("invalid UTF-8")
        }
        guard self.index + length <= self.bytes.count else { throw self.fail("truncated UTF-8") }
        let second = self.bytes[self.index + 1]
        guard second >= lowerBound && second <= upperBound else { throw self.fail("invalid UTF-8") }
        for offset in 2..<max(2, length) {
            let byte = self.bytes[self.index + offset]
            guard byte >= 0x80 && byte <= 0xBF else { throw self.fail("invalid UTF-8") }
        }
        return length
    }
}
