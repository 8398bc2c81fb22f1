/// Malomo's secret API key. Printing it prints `[redacted]`.
public struct MalomoAPIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key itself, for the `Authorization` header only.
    let value: String

    /// Wraps a key; `nil` when it is empty or holds a character that cannot go into a header
    /// (a control character, such as a newline left in a file).
    public init?(_ value: String) {
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) else { return nil }
        self.value = value
    }

    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
}
