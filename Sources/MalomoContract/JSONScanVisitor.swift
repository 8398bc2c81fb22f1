/// Receives what ``JSONScanner`` reads, in document order. Only valid documents reach the
/// end: the scanner stops at the first error, so a visitor may hold partial state then.
public protocol JSONScanVisitor {
    /// `{` opened an object.
    mutating func beginObject()
    /// A member name inside the innermost object; its value follows.
    mutating func key(_ name: JSONScanner.StringToken)
    /// `}` closed the innermost object.
    mutating func endObject()
    /// `[` opened an array.
    mutating func beginArray()
    /// `]` closed the innermost array.
    mutating func endArray()
    /// A string value.
    mutating func string(_ value: JSONScanner.StringToken)
    /// A number value: its text, already checked against the grammar. `isInteger` when it
    /// has neither a fraction nor an exponent.
    mutating func number(_ text: UnsafeRawBufferPointer, isInteger: Bool)
    /// `true` or `false`.
    mutating func bool(_ value: Bool)
    /// `null`.
    mutating func null()
}
