import Foundation
import MalomoContract

/// The current time as RFC 3339 UTC with milliseconds.
enum RFC3339Now {
    static func string() -> String {
        RFC3339Timestamp.format(millisecondsSinceEpoch: milliseconds())
    }

    /// Milliseconds since the Unix epoch, from the real-time clock.
    static func milliseconds() -> Int64 {
        // Foundation's clock rather than clock_gettime: which C module owns `timespec` differs
        // between builds, and a clean one refused it under MemberImportVisibility.
        Int64(exactly: (Date().timeIntervalSince1970 * 1000).rounded(.down)) ?? 0
    }
}
