import Synchronization

/// Cheap unique request ids: a random per-process prefix and a counter (`3f9a2c1e-000000000000002a`).
enum RequestID {
    private static let prefix: String = {
        let value = UInt32.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        let hex = String(number, radix: 16)
        return prefix + "-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}
