import Foundation

/// The `Retry-After` header (RFC 9110 §10.2.3): whole seconds, or an HTTP date.
enum RetryAfter {
    /// The wait it asks for; `nil` when it does not parse. A date in the past is no wait.
    static func parse(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        let interval = date.timeIntervalSince(now)
        guard interval > 0 else { return .zero }
        guard let milliseconds = Int64(exactly: (interval * 1000).rounded(.up)) else { return nil }
        return .milliseconds(milliseconds)
    }
}
