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

/// Builds values bottom-up. A container being filled is popped off the stack, extended and
/// pushed back, so its storage stays uniquely referenced and is never copied.
private struct JSONValueBuilder: JSONScanVisitor {
    enum Frame {
        case object([String: JSONValue], key: String)
        case array([JSONValue])
    }

    var stack: [Frame] = []
    var result: JSONValue? = nil

    init() { self.stack.reserveCapacity(8) }

    mutating func add(_ value: JSONValue) {
        guard let top = self.stack.popLast() else {
            self.result = value
            return
        }
        switch top {
        case .object(var members, let key):
            members[key] = value
            self.stack.append(.object(members, key: ""))
        case .array(var elements):
            elements.append(value)
            self.stack.append(.array(elements))
        }
    }

    mutating func beginObject() { self.stack.append(.object([:], key: "")) }
    mutating func key(_ name: JSONScanner.StringToken) {
        guard case .object(let members, _) = self.stack.popLast() else { return }
        self.stack.append(.object(members, key: name.string))
    }
    mutating func endObject() {
        guard case .object(let members, _) = self.stack.popLast() else { return }
        self.add(.object(members))
    }
    mutating func beginArray() { self.stack.append(.array([])) }
    mutating func endArray() {
        guard case .array(let elements) = self.stack.popLast() else { return }
        self.add(.array(elements))
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
