import MalomoContract

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Malomo time value in any of the shapes Malomo sends, with the original kept.
///
/// - `2024-03-11T15:02:41Z`, `…+02:00`, fractional seconds: an ``Kind-swift.enum/instant(_:)``.
/// - `2024-03-12T09:41:00` (no zone; shipment and scan times): a carrier-local
///   ``Kind-swift.enum/localDateTime(_:)``, **not** UTC. Use ``instant(assumingUTCOffsetSeconds:)``
///   when you know the zone (FedEx scan times are UTC, per Malomo.js).
/// - `2024-03-14` (date only): ``Kind-swift.enum/date(year:month:day:)``.
/// - `1710261900` (integer, float or numeric string): Unix seconds, an instant.
public struct MalomoTimestamp: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Calendar fields without a zone.
    public struct LocalDateTime: Sendable, Hashable {
        public var year: Int
        public var month: Int
        public var day: Int
        public var hour: Int
        public var minute: Int
        public var second: Int
        public var nanosecond: Int

        /// Seconds since the epoch if these fields were UTC.
        var secondsIfUTC: Int64 {
            Int64(CivilDate.days(year: self.year, month: self.month, day: self.day)) * 86_400
                + Int64(self.hour * 3600 + self.minute * 60 + self.second)
        }
    }

    /// What the value means.
    public enum Kind: Sendable, Hashable {
        /// A point in time (had a zone, or was Unix seconds).
        case instant(Date)
        /// A wall-clock date and time with no zone (carrier-local).
        case localDateTime(LocalDateTime)
        /// A calendar date.
        case date(year: Int, month: Int, day: Int)
    }

    /// The value as received (numbers as their decimal text).
    public let rawValue: String
    /// Its meaning.
    public let kind: Kind

    /// Parses a string; `nil` when it is none of the accepted shapes.
    public init?(_ text: String) {
        guard let kind = Self.parse(text) else { return nil }
        self.rawValue = text
        self.kind = kind
    }

    /// A Unix-seconds value. Any magnitude is kept (a whole number beyond `Int64` keeps its
    /// `Double` text); it never traps, whatever a record on a topic holds.
    public init(unixSeconds: Double) {
        self.rawValue = Int64(exactly: unixSeconds).map { String($0) } ?? String(unixSeconds)
        self.kind = .instant(Date(timeIntervalSince1970: unixSeconds))
    }

    /// A Unix-seconds value given as a JSON integer: its text is kept exactly.
    init(unixSeconds: Int64) {
        self.rawValue = String(unixSeconds)
        self.kind = .instant(Date(timeIntervalSince1970: Double(unixSeconds)))
    }

    /// The instant, when the value has a zone or is Unix seconds.
    public var instant: Date? {
        if case .instant(let date) = self.kind { return date }
        return nil
    }

    /// The instant, reading a zone-less value at `offset` seconds east of UTC (0 = UTC).
    /// Date-only values are read as midnight.
    public func instant(assumingUTCOffsetSeconds offset: Int) -> Date {
        switch self.kind {
        case .instant(let date): return date
        case .localDateTime(let local):
            // In Double: no offset a caller passes can overflow.
            return Date(
                timeIntervalSince1970: Double(local.secondsIfUTC) - Double(offset) + Double(local.nanosecond) / 1e9
            )
        case .date(let year, let month, let day):
            return Date(timeIntervalSince1970: Double(CivilDate.days(year: year, month: month, day: day)) * 86_400 - Double(offset))
        }
    }

    /// Whether the value carries no zone (a carrier-local wall-clock time or a date).
    public var isLocal: Bool {
        if case .instant = self.kind { return false }
        return true
    }

    public var description: String { self.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = MalomoTimestamp(json: try? container.decode(JSONValue.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unrecognised timestamp")
        }
        self = value
    }

    init(rawValue: String, kind: Kind) {
        self.rawValue = rawValue
        self.kind = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if case .instant = self.kind, let seconds = Int64(self.rawValue) {
            try container.encode(seconds)
        } else {
            try container.encode(self.rawValue)
        }
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff…]]`, optionally `Z` or `±HH[:]MM` (also with a space for `T`).
    static func parse(_ text: String) -> Kind? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2), (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        if index == bytes.count { return .date(year: year, month: month, day: day) }
        guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: "t")) || expect(UInt8(ascii: " ")) else { return nil }
        guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), hour < 24, minute < 60 else {
            return nil
        }
        var second = 0
        var nanosecond = 0
        if expect(UInt8(ascii: ":")) {
            guard let value = number(2), value < 61 else { return nil }
            second = min(value, 59)
            if expect(UInt8(ascii: ".")) {
                var digits = 0
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    if digits < 9 { nanosecond = nanosecond * 10 + Int(bytes[index] - 48) }
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 9) { nanosecond *= 10 }
            }
        }
        let local = LocalDateTime(
            year: year,
            month: month,
            day: day,
            hour: hour,
            minute: minute,
            second: second,
            nanosecond: nanosecond
        )
        if index == bytes.count { return .localDateTime(local) }
        var offsetSeconds = 0
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
            offsetSeconds = 0
        } else {
            let sign: Int
            if expect(UInt8(ascii: "+")) { sign = 1 } else if expect(UInt8(ascii: "-")) { sign = -1 } else { return nil }
            guard let offsetHours = number(2), offsetHours < 24 else { return nil }
            _ = expect(UInt8(ascii: ":"))
            let offsetMinutes = index == bytes.count ? 0 : (number(2) ?? 60)
            guard offsetMinutes < 60 else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard index == bytes.count else { return nil }
        let seconds = local.secondsIfUTC - Int64(offsetSeconds)
        return .instant(Date(timeIntervalSince1970: Double(seconds) + Double(nanosecond) / 1e9))
    }
}
