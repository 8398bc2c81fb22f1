import MalomoContract

/// The typed decoding path's parser: the contract's ``JSONScanner`` (one grammar with the
/// bridge) builds a ``JSONValue`` in one pass, with no `Codable` probing.
extension JSONValue {
    /// Why bytes are not JSON.
    public typealias ParseError = JSONScanError

    /// Nesting deeper than this is rejected (the contract's one limit).
    public static var maximumDepth: Int { JSONScanner.maximumDepth }

    /// Parses one JSON document.
    public init(parsing bytes: [UInt8]) throws(ParseError) {
        let result: Result<JSONValue, ParseError> = bytes.withUnsafeBytes { buffer in
            var builder = JSONValueBuilder()
            do throws(ParseError) {
                try JSONScanner.scan(buffer, visitor: &builder)
                return .success(builder.result ?? .null)
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }
}

/// Builds values bottom-up. The containers being filled live in arrays of their own and are
/// extended in place through the arrays' subscripts, so their storage stays uniquely referenced
/// and is never copied.
private struct JSONValueBuilder: JSONScanVisitor {
    /// What the innermost open container is: `true` for an object.
    var isObject: [Bool] = []
    var objects: [[String: JSONValue]] = []
    var keys: [String] = []
    var arrays: [[JSONValue]] = []
    var result: JSONValue? = nil

    mutating func add(_ value: JSONValue) {
        guard let isObject = self.isObject.last else {
            self.result = value
            return
        }
        if isObject {
            self.objects[self.objects.count - 1][self.keys[self.keys.count - 1]] = value
        } else {
            self.arrays[self.arrays.count - 1].append(value)
        }
    }

    mutating func beginObject() {
        self.isObject.append(true)
        self.objects.append([:])
        self.keys.append("")
    }
    mutating func key(_ name: JSONScanner.StringToken) { self.keys[self.keys.count - 1] = name.string }
    mutating func endObject() {
        self.isObject.removeLast()
        self.keys.removeLast()
        self.add(.object(self.objects.removeLast()))
    }
    mutating func beginArray() {
        self.isObject.append(false)
        self.arrays.append([])
    }
    mutating func endArray() {
        self.isObject.removeLast()
        self.add(.array(self.arrays.removeLast()))
    }
    mutating func string(_ value: JSONScanner.StringToken) { self.add(.string(value.string)) }
    mutating func number(_ text: UnsafeRawBufferPointer, isInteger: Bool) {
        let string = String(decoding: text, as: UTF8.self)
        if isInteger, let integer = Int64(string) {
            self.add(.integer(integer))
        } else {
            // The grammar was checked, so this parses; out-of-range magnitudes become ±infinity.
            self.add(.double(Double(string) ?? .nan))
        }
    }
    mutating func bool(_ value: Bool) { self.add(.bool(value)) }
    mutating func null() { self.add(.null) }
}
