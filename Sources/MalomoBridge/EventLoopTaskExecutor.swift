import NIOCore

/// A `TaskExecutor` that runs jobs on one NIO event loop.
///
/// A task that prefers it (`withTaskExecutorPreference`) runs its non-isolated code on that
/// loop's thread: a webhook connection's reads, handler and writes then stay on the thread that
/// does the connection's I/O, instead of hopping to Swift's cooperative pool and back for every
/// await (each hop a thread wake-up, the largest cost per webhook in the profile of
/// docs/benchmarks.md). A job enqueued from the loop's own thread joins its task queue without
/// waking anything; one enqueued from another thread (a delivery report resuming a request)
/// wakes the loop once.
///
/// Code run this way must never block: it would stall every connection on the loop.
///
/// The loop must outlive every task that prefers it: NIO drops a job enqueued on a loop that
/// has shut down, and the task would never resume. The webhook listener runs on
/// `MultiThreadedEventLoopGroup.singleton` (Hummingbird's default), which never shuts down.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
