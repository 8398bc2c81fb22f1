/// A single pass over a JSON document that checks it is valid (RFC 8259) and picks out
/// the top-level `"id"`: all the bridge needs to route a body. It builds no objects.
public struct JSONRoutingScan: Sendable, Hashable {
    /// Why a body is not valid JSON.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset of the problem.
        public let offset: Int
        /// What is wrong there.
        public let reason: String
        public var description: String { "invalid JSON at byte \(self.offset): \(self.reason)" }
    }

    /// The top-level `"id"` value as bytes: a string's unescaped UTF-8, or a number's text.
    /// `nil` when the document is not an object, has no `"id"`, or its `"id"` is
    /// another type (null, bool, object, array).
    public let id: [UInt8]?

    /// Nesting deeper than this is rejected, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 128

    /// Scans a document.
    /// - Throws: ``Failure`` when the bytes are not one valid JSON value.
    public init(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var scanner = Scanner(bytes: bytes)
        self.id = try scanner.document()
    }

    /// Scans a document.
    public init(_ bytes: [UInt8]) throws(Failure) {
        let result: Result<[UInt8]?, Failure> = bytes.withUnsafeBytes { buffer in
            var scanner = Scanner(bytes: buffer)
            do throws(Failure) { return .success(try scanner.document()) } catch { return .failure(error) }
        }
        self.id = try result.get()
    }
}

extension JSONRoutingScan {
    fileprivate struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        func fail(_ reason: String) -> Failure { Failure(offset: self.index, reason: reason) }

        mutating func skipWhitespace() {
            while self.index < self.bytes.count {
                switch self.bytes[self.index] {
                case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
                default: return
                }
            }
        }

        mutating func document() throws(Failure) -> [UInt8]? {
            self.skipWhitespace()
            var id: [UInt8]? = nil
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "{") {
                id = try self.object(depth: 1, captureID: true)
            } else {
                try self.value(depth: 0)
            }
            self.skipWhitespace()
            guard self.index == self.bytes.count else { throw self.fail("unexpected data after the document") }
            return id
        }

        mutating func value(depth: Int) throws(Failure) {
            guard depth <= JSONRoutingScan.maximumDepth else { throw self.fail("nesting deeper than \(JSONRoutingScan.maximumDepth)") }
            guard self.index < self.bytes.count else { throw self.fail("unexpected end of input") }
            switch self.bytes[self.index] {
            case UInt8(ascii: "{"): _ = try self.object(depth: depth + 1, captureID: false)
            case UInt8(ascii: "["): try self.array(depth: depth + 1)
            case UInt8(ascii: "\""): try self.string(into: nil)
            case UInt8(ascii: "t"): try self.literal("true")
            case UInt8(ascii: "f"): try self.literal("false")
            case UInt8(ascii: "n"): try self.literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try self.number()
            default: throw self.fail("unexpected character")
            }
        }

        /// Scans an object starting at `{`; returns the `"id"` when `captureID`.
        mutating func object(depth: Int, captureID: Bool) throws(Failure) -> [UInt8]? {
            guard depth <= JSONRoutingScan.maximumDepth else { throw self.fail("nesting deeper than \(JSONRoutingScan.maximumDepth)") }
            self.index += 1
            var id: [UInt8]? = nil
            self.skipWhitespace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
                self.index += 1
                return nil
            }
            while true {
                self.skipWhitespace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                    throw self.fail("expected a member name")
                }
                var isID = false
                if captureID {
                    var name: [UInt8] = []
                    try self.string(into: &name)
                    isID = name == [UInt8(ascii: "i"), UInt8(ascii: "d")]
                } else {
                    try self.string(into: nil)
                }
                self.skipWhitespace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                    throw self.fail("expected ':'")
                }
                self.index += 1
                self.skipWhitespace()
                if isID, self.index < self.bytes.count {
                    let start = self.index
                    switch self.bytes[self.index] {
                    case UInt8(ascii: "\""):
                        var text: [UInt8] = []
                        try self.string(into: &text)
                        id = text
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        try self.number()
                        id = Array(self.bytes[start..<self.index])
                    default:
                        id = nil
                        try self.value(depth: depth)
                    }
                } else {
                    try self.value(depth: depth)
                }
                self.skipWhitespace()
                guard self.index < self.bytes.count else { throw self.fail("unexpected end of input in an object") }
                switch self.bytes[self.index] {
                case UInt8(ascii: ","): self.index += 1
                case UInt8(ascii: "}"):
                    self.index += 1
                    return id
                default: throw self.fail("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) {
            guard depth <= JSONRoutingScan.maximumDepth else { throw self.fail("nesting deeper than \(JSONRoutingScan.maximumDepth)") }
            self.index += 1
            self.skipWhitespace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
                self.index += 1
                return
            }
            while true {
                self.skipWhitespace()
                try self.value(depth: depth)
                self.skipWhitespace()
                guard self.index < self.bytes.count else { throw self.fail("unexpected end of input in an array") }
                switch self.bytes[self.index] {
                case UInt8(ascii: ","): self.index += 1
                case UInt8(ascii: "]"):
                    self.index += 1
                    return
                default: throw self.fail("expected ',' or ']'")
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard self.index + count <= self.bytes.count else { throw self.fail("unexpected end of input") }
            for offset in 0..<count where self.bytes[self.index + offset] != word.utf8Start[offset] {
                throw self.fail("invalid literal")
            }
            self.index += count
        }

        mutating func number() throws(Failure) {
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
                self.index += 1
                guard self.isDigit(self.index) else { throw self.fail("invalid number") }
                while self.isDigit(self.index) { self.index += 1 }
            }
            if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
                self.index += 1
                if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-") {
                    self.index += 1
                }
                guard self.isDigit(self.index) else { throw self.fail("invalid number") }
                while self.isDigit(self.index) { self.index += 1 }
            }
        }

        func isDigit(_ position: Int) -> Bool {
            position < self.bytes.count && self.bytes[position] >= UInt8(ascii: "0") && self.bytes[position] <= UInt8(ascii: "9")
        }

        /// Scans a string starting at `"`, checking escapes and UTF-8; appends its unescaped
        /// UTF-8 to `output` when given.
        mutating func string(into output: UnsafeMutablePointer<[UInt8]>?) throws(Failure) {
            self.index += 1
            while self.index < self.bytes.count {
                let byte = self.bytes[self.index]
                switch byte {
                case UInt8(ascii: "\""):
                    self.index += 1
                    return
                case UInt8(ascii: "\\"):
                    try self.escape(into: output)
                case 0..<0x20:
                    throw self.fail("control character in a string")
                case 0x80...:
                    let length = try self.utf8SequenceLength()
                    output?.pointee.append(contentsOf: self.bytes[self.index..<self.index + length])
                    self.index += length
                default:
                    output?.pointee.append(byte)
                    self.index += 1
                }
            }
            throw self.fail("unterminated string")
        }

        mutating func string(into output: inout [UInt8]) throws(Failure) {
            try withUnsafeMutablePointer(to: &output) { (pointer) throws(Failure) in try self.string(into: pointer) }
        }

        mutating func escape(into output: UnsafeMutablePointer<[UInt8]>?) throws(Failure) {
            self.index += 1
            guard self.index < self.bytes.count else { throw self.fail("unterminated escape") }
            let simple: UInt8? =
                switch self.bytes[self.index] {
                case UInt8(ascii: "\""): 0x22
                case UInt8(ascii: "\\"): 0x5C
                case UInt8(ascii: "/"): 0x2F
                case UInt8(ascii: "b"): 0x08
                case UInt8(ascii: "f"): 0x0C
                case UInt8(ascii: "n"): 0x0A
                case UInt8(ascii: "r"): 0x0D
                case UInt8(ascii: "t"): 0x09
                default: nil
                }
            if let simple {
                output?.pointee.append(simple)
                self.index += 1
                return
            }
            guard self.bytes[self.index] == UInt8(ascii: "u") else { throw self.fail("invalid escape") }
            self.index += 1
            var scalar = try self.hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else { throw self.fail("unpaired surrogate") }
                self.index += 2
                let low = try self.hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw self.fail("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw self.fail("unpaired surrogate")
            }
            if let output, let unicode = Unicode.Scalar(scalar) {
                output.pointee.append(contentsOf: Array(String(Character(unicode)).utf8))
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard self.index + 4 <= self.bytes.count else { throw self.fail("unterminated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Hex.value(self.bytes[self.index]) else { throw self.fail("invalid \\u escape") }
                value = value << 4 | UInt32(digit)
                self.index += 1
            }
            return value
        }

        /// Length of a valid UTF-8 sequence starting at `index` (a byte ≥ 0x80), per RFC 3629.
        func utf8SequenceLength() throws(Failure) -> Int {
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
}
