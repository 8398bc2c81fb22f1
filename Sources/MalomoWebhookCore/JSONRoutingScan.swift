import MalomoContract

/// A single pass over a JSON document that checks it is valid (the contract's
/// ``JSONScanner`` grammar) and picks out the top-level `"id"`: all the bridge needs to route
/// a body. It builds no objects.
public struct JSONRoutingScan: Sendable, Hashable {
    /// Why a body is not valid JSON.
    public typealias Failure = JSONScanError

    /// The top-level `"id"` value as bytes: a string's unescaped UTF-8, or a number's text.
    /// `nil` when the document is not an object, has no `"id"`, or its `"id"` is
    /// another type (null, bool, object, array).
    public let id: [UInt8]?

    /// Nesting deeper than this is rejected (the contract's one limit).
    public static var maximumDepth: Int { JSONScanner.maximumDepth }

    /// Scans a document.
    /// - Throws: ``Failure`` when the bytes are not one valid JSON value.
    public init(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var visitor = IDVisitor()
        try JSONScanner.scan(bytes, visitor: &visitor)
        self.id = visitor.id
    }

    /// Scans a document.
    public init(_ bytes: [UInt8]) throws(Failure) {
        let result: Result<[UInt8]?, Failure> = bytes.withUnsafeBytes { buffer in
            var visitor = IDVisitor()
            do throws(Failure) {
                try JSONScanner.scan(buffer, visitor: &visitor)
                return .success(visitor.id)
            } catch {
                return .failure(error)
            }
        }
        self.id = try result.get()
    }
}

/// Remembers the value of the top-level `"id"` member (the last one, if repeated).
private struct IDVisitor: JSONScanVisitor {
    var depth = 0
    var valueIsID = false
    var id: [UInt8]? = nil

    mutating func beginObject() {
        self.valueDone()
        self.depth += 1
    }
    mutating func key(_ name: JSONScanner.StringToken) {
        if self.depth == 1 { self.valueIsID = name.equals("id") }
    }
    mutating func endObject() { self.depth -= 1 }
    mutating func beginArray() {
        self.valueDone()
        self.depth += 1
    }
    mutating func endArray() { self.depth -= 1 }
    mutating func string(_ value: JSONScanner.StringToken) {
        if self.valueIsID { self.id = value.unescapedBytes() }
        self.valueIsID = false
    }
    mutating func number(_ text: UnsafeRawBufferPointer, isInteger: Bool) {
        if self.valueIsID { self.id = Array(text) }
        self.valueIsID = false
    }
    mutating func bool(_ value: Bool) { self.valueDone() }
    mutating func null() { self.valueDone() }

    /// A top-level `"id"` that is not a string or number clears the key.
    mutating func valueDone() {
        if self.valueIsID { self.id = nil }
        self.valueIsID = false
    }
}
