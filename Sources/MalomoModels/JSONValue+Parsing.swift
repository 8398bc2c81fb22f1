/// A fast, strict (RFC 8259) parser from bytes to ``JSONValue``, used by the typed decoding
/// path: one pass, no `Codable` probing, no thrown errors on the success path.
extension JSONValue {
    /// Why bytes are not JSON.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset of the problem.
        public let offset: Int
        /// What is wrong there.
        public let reason: String
        public var description: String { "invalid JSON at byte \(self.offset): \(self.reason)" }
    }

    /// Nesting deeper than this is rejected.
    public static let maximumDepth = 512

    /// Parses one JSON document.
    public init(parsing bytes: [UInt8]) throws(ParseError) {
        let result: Result<JSONValue, ParseError> = bytes.withUnsafeBytes { buffer in
            var parser = JSONParser(bytes: buffer)
            do throws(ParseError) {
                parser.skipWhitespace()
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.index == buffer.count else { throw parser.fail("unexpected data after the document") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }
}

private struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func fail(_ reason: String) -> JSONValue.ParseError { .init(offset: self.index, reason: reason) }

    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw self.fail("nesting too deep") }
        guard self.index < self.bytes.count else { throw self.fail("unexpected end of input") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.object(depth: depth + 1)
        case UInt8(ascii: "["): return try self.array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.string())
        case UInt8(ascii: "t"):
            try self.literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.number()
        default: throw self.fail("unexpected character")
        }
    }

    mutating func object(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        self.index += 1
        var members: [String: JSONValue] = [:]
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.fail("expected a member name")
            }
            let name = try self.string()
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else { throw self.fail("expected ':'") }
            self.index += 1
            self.skipWhitespace()
            members[name] = try self.value(depth: depth)
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.fail("unexpected end of input in an object") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            default: throw self.fail("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        self.index += 1
        var elements: [JSONValue] = []
        self.skipWhitespace()
        if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipWhitespace()
            elements.append(try self.value(depth: depth))
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.fail("unexpected end of input in an array") }
            switch self.bytes[self.index] {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: throw self.fail("expected ',' or ']'")
            }
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONValue.ParseError) {
        let count = word.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.fail("unexpected end of input") }
        for offset in 0..<count where self.bytes[self.index + offset] != word.utf8Start[offset] {
            throw self.fail("invalid literal")
        }
        self.index += count
    }

    func isDigit(_ position: Int) -> Bool {
        position < self.bytes.count && self.bytes[position] >= UInt8(ascii: "0") && self.bytes[position] <= UInt8(ascii: "9")
    }

    mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = self.index
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
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text) else { throw self.fail("invalid number") }
        return .double(double)
    }

    mutating func string() throws(JSONValue.ParseError) -> String {
        self.index += 1
        let start = self.index
        // Fast path: no escapes.
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index])
                self.index += 1
                guard let text = String(validating: slice, as: UTF8.self) else { throw self.fail("invalid UTF-8") }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw self.fail("control character in a string") }
            self.index += 1
        }
        // Slow path: unescape.
        var out = Array(self.bytes[start..<self.index])
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw self.fail("invalid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                self.index += 1
                guard self.index < self.bytes.count else { throw self.fail("unterminated escape") }
                let escaped = self.bytes[self.index]
                self.index += 1
                switch escaped {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try self.hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
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
                    guard let unicode = Unicode.Scalar(scalar) else { throw self.fail("invalid escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw self.fail("invalid escape")
                }
            case 0..<0x20:
                throw self.fail("control character in a string")
            default:
                out.append(byte)
                self.index += 1
            }
        }
        throw self.fail("unterminated string")
    }

    mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.fail("unterminated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let digit = self.bytes[self.index]
            let nibble: UInt32
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt32(digit - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = UInt32(digit - UInt8(ascii: "A") + 10)
            default: throw self.fail("invalid \\u escape")
            }
            value = value << 4 | nibble
            self.index += 1
        }
        return value
    }
}
