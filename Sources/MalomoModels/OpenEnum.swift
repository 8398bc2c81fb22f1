/// A Malomo code set that will grow: known values are cases, anything else is kept as
/// `unknown(String)` instead of failing to decode.
public protocol MalomoOpenEnum: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The known cases, by their wire value.
    static var knownValues: [String: Self] { get }
    /// Wraps a value outside ``knownValues``.
    static func unknown(_ rawValue: String) -> Self
    /// The wire value.
    var rawValue: String { get }
}

extension MalomoOpenEnum {
    /// Maps a wire value to its case, or to `unknown`.
    public init(rawValue: String) {
        self = Self.knownValues[rawValue] ?? Self.unknown(rawValue)
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.rawValue)
    }

    public var description: String { self.rawValue }

    static func table(_ cases: [Self]) -> [String: Self] {
        Dictionary(uniqueKeysWithValues: cases.map { ($0.rawValue, $0) })
    }
}
