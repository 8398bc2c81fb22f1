import Synchronization

/// A value shared between test tasks.
final class LockedBox<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { self.storage = Mutex(value) }
    func withLock<Result: Sendable>(_ body: (inout sending Value) -> sending Result) -> Result { self.storage.withLock(body) }
    var value: Value { self.storage.withLock { $0 } }
}
