import Foundation
import Synchronization

/// A dedicated OS thread that runs a blocking loop (librdkafka's poll calls block),
/// so no cooperative Swift-concurrency thread is ever parked in C.
///
/// `@unchecked Sendable`: all mutable state is inside `state` (a `Mutex`).
final class PollThread: @unchecked Sendable {
    private struct State {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let stopRequested = Atomic<Bool>(false)

    /// Starts `body` on a new thread. `body` gets a closure telling whether stop was requested
    /// and should return soon after it turns true.
    ///
    /// - Parameter name: The thread's name in `top -H`, `ps -T` and `perf`: at most 15 bytes,
    ///   Linux's limit (a longer name is refused and the thread keeps its creator's name).
    init(name: String, body: @escaping @Sendable (_ shouldStop: () -> Bool) -> Void) {
        precondition(name.utf8.count <= 15, "thread name longer than Linux's 15 bytes: \(name)")
        let thread = Thread { [self] in
            // Set from the thread itself: set from outside before `start()`, Foundation's
            // `Thread.name` does not reach the OS on Linux, and set through `Thread.current` it
            // reached it only some of the time (seen: 3 runs in 5 without the name).
            Self.nameCurrentThread(name)
            body { self.stopRequested.load(ordering: .acquiring) }
            let waiters = self.state.withLock { state in
                state.finished = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.start()
    }

    /// Names the calling thread. On Linux through `/proc/thread-self/comm`, which the kernel
    /// applies at once (pthread_setname_np is not visible to Swift without _GNU_SOURCE).
    private static func nameCurrentThread(_ name: String) {
        #if os(Linux)
            if let handle = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
                handle.write(Data(name.utf8))
                try? handle.close()
                return
            }
        #endif
        Thread.current.name = name
    }

    /// Asks the loop to end.
    func requestStop() {
        self.stopRequested.store(true, ordering: .releasing)
    }

    /// Returns once the loop has ended.
    func join() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = self.state.withLock { state in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
