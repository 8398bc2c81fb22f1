/// Formats instants as RFC 3339 UTC with milliseconds, e.g. `2026-11-29T21:08:36.123Z`,
/// without Foundation's date formatters (this runs once per request).
public enum RFC3339Timestamp {
    /// The range RFC 3339 can express: years 0000 to 9999.
    public static let representableMilliseconds: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// Formats milliseconds since the Unix epoch. Instants outside years 0000–9999 are
    /// clamped to that range (RFC 3339 has four-digit years).
    public static func format(millisecondsSinceEpoch: Int64) -> String {
        let clamped = min(max(millisecondsSinceEpoch, representableMilliseconds.lowerBound), representableMilliseconds.upperBound)
        let millis = Int(((clamped % 1000) + 1000) % 1000)
        let seconds = (clamped - Int64(millis)) / 1000
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = CivilDate.civil(fromDays: days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func append(_ value: Int, width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var rest = value
            for position in stride(from: width - 1, through: 0, by: -1) {
                digits[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            out.append(contentsOf: digits)
        }
        append(year, width: 4)
        out.append(UInt8(ascii: "-"))
        append(month, width: 2)
        out.append(UInt8(ascii: "-"))
        append(day, width: 2)
        out.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2)
        out.append(UInt8(ascii: "."))
        append(millis, width: 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
