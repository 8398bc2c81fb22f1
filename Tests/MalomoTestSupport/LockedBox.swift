import Synchronization

/// A value shared between test tasks.
package final class LockedBox<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    package init(_ value: Value) { self.storage = Mutex(value) }
    package func withLock<Result: Sendable>(_ body: (inout sending Value) -> sending Result) -> Result { self.storage.withLock(body) }
    package var value: Value { self.storage.withLock { $0 } }
}
