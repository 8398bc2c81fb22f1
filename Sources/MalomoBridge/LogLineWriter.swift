import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes log lines to a file descriptor (standard error) from a thread of its own, through a
/// bounded buffer, so a log reader that stops reading cannot stall the threads that log.
///
/// A container's standard error is a pipe to the runtime's log collector. When the collector
/// stalls, the pipe fills (64 KiB) and a `write(2)` to it blocks. Written from the caller, that
/// stalls an event loop (its connections, its read and ack deadlines) or the thread that
/// serves delivery reports. Here the caller only appends to a buffer: at most `capacityBytes`
/// (`LOG_BUFFER_BYTES`) of lines wait or are being written (twice that for the moment a batch
/// is joined into one write). A line that does not fit is dropped and counted, and once the writer
/// catches up it reports how many (``observeDrops(count:report:)``: the bridge counts them in
/// `malomo_bridge_log_lines_dropped_total` and logs a warning). Nothing here blocks a caller
/// but a short lock.
public final class LogLineWriter: Sendable {

    private struct State {
        var pending: [String] = []
        var pendingBytes = 0
        /// Bytes of the batch being written.
        var writingBytes = 0
        /// Lines dropped and not yet reported.
        var unreported = 0
        var droppedTotal = 0
        /// The writer thread is parked on `wakeUp` (or about to be).
        var parked = false
        /// The writer thread holds a batch it has not finished writing, or is reporting drops.
        var writing = false
        var count: (@Sendable (Int) -> Void)?
        var report: (@Sendable (Int) -> Void)?
    }

    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let fileDescriptor: Int32
    private let capacityBytes: Int

    /// Creates a writer for `fileDescriptor` holding at most `capacityBytes` of unwritten lines,
    /// and starts its thread (started here, not with the first line, so that the first lines
    /// do not fill the buffer while the thread is still being scheduled).
    public init(fileDescriptor: Int32, capacityBytes: Int) {
        precondition(capacityBytes > 0, "a log buffer needs room for a line")
        self.fileDescriptor = fileDescriptor
        self.capacityBytes = capacityBytes
        self.startThread()
    }

    /// Lines dropped since the writer was made: the buffer was full or the descriptor refused them.
    public var droppedLines: Int { self.state.withLock { $0.droppedTotal } }

    /// Queues `line` (which ends with its newline), or drops and counts it when the buffer is full.
    public func write(_ line: String) {
        let bytes = line.utf8.count
        let (signal, dropped) = self.state.withLock { state -> (Bool, (@Sendable (Int) -> Void)?) in
            // An empty buffer (nothing waiting or being written) takes any line, so one longer
            // than the buffer is not always lost.
            let empty = state.pending.isEmpty && state.writingBytes == 0
            guard state.pendingBytes + state.writingBytes + bytes <= self.capacityBytes || empty else {
                state.unreported += 1
                state.droppedTotal += 1
                return (false, state.count)
            }
            state.pending.append(line)
            state.pendingBytes += bytes
            let signal = state.parked
            state.parked = false
            return (signal, nil)
        }
        dropped?(1)
        if signal { self.wakeUp.signal() }
    }

    /// Observes dropped lines: `count` as they are dropped (on the thread that logged, or the
    /// writer's: cheap work only, a counter, and it must not log: with the buffer full, its line
    /// would be dropped and counted again), `report` on the writer's thread with the number the
    /// full buffer dropped since its last call, each time the writer has caught up after
    /// dropping (lines it logs are written like any other). Lines lost to a descriptor that
    /// refuses writes are counted, not reported: a report would be lost the same way. Lines
    /// dropped before this call are passed to both at once, on the calling thread. One observer
    /// at a time: a later call replaces it.
    public func observeDrops(count: @escaping @Sendable (Int) -> Void, report: @escaping @Sendable (Int) -> Void) {
        let (total, unreported) = self.state.withLock { state -> (Int, Int) in
            state.count = count
            state.report = report
            defer { state.unreported = 0 }
            return (state.droppedTotal, state.unreported)
        }
        if total > 0 { count(total) }
        if unreported > 0 { report(unreported) }
    }

    /// Waits until every queued line is written or `timeout` passes (at exit: a process that
    /// returns from `main` or calls `exit` does not wait for this thread). Returns whether the
    /// buffer was empty in time.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let done = self.state.withLock { $0.pending.isEmpty && !$0.writing }
            if done { return true }
            if ContinuousClock.now >= deadline { return false }
            usleep(1_000)
        }
    }

    private func startThread() {
        let thread = Thread { [self] in
            #if os(Linux)
                // From the thread itself: Foundation's `Thread.name` set before `start()` never
                // reaches Linux (see PollThread). A /proc that refuses it leaves the thread unnamed.
                if let handle = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
                    try? handle.write(contentsOf: Data("log-writer".utf8))
                    try? handle.close()
                }
            #endif
            self.run()
        }
        thread.start()
    }

    private func run() {
        while true {
            let (taken, report, unreported) = self.state.withLock { state -> ([String], (@Sendable (Int) -> Void)?, Int) in
                state.writing = false
                state.writingBytes = 0
                if state.pending.isEmpty {
                    // Caught up: report what was dropped while the buffer was full. `writing`
                    // stays set until the report is queued, so a flush waits for it.
                    let unreported = state.report == nil ? 0 : state.unreported
                    if unreported > 0 {
                        state.unreported = 0
                        state.writing = true
                    } else {
                        state.parked = true
                    }
                    return ([], state.report, unreported)
                }
                defer {
                    state.writingBytes = state.pendingBytes
                    state.pending = []
                    state.pendingBytes = 0
                    state.writing = true
                }
                return (state.pending, nil, 0)
            }
            if unreported > 0, let report {
                report(unreported)
                continue
            }
            if taken.isEmpty {
                self.wakeUp.wait()
                continue
            }
            let lines = taken.count
            // Consumed: one copy of the batch (its bytes) while it is written, not two.
            let bytes = Self.joined(consume taken)
            if !self.writeAll(bytes) {
                // The descriptor refuses writes (closed, or an error other than a full pipe):
                // these lines are lost, and counted; not reported, as a report is a line too.
                let count = self.state.withLock { state in
                    state.droppedTotal += lines
                    return state.count
                }
                count?(lines)
            }
        }
    }

    /// The lines' bytes, one after another; the lines are released on return.
    private static func joined(_ lines: consuming [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count })
        for line in lines { bytes.append(contentsOf: line.utf8) }
        return bytes
    }

    /// Writes all of `bytes`, waiting while the descriptor is full. False on an error.
    private func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(self.fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    // A non-blocking descriptor (inherited that way): wait until it drains.
                    var poller = pollfd(fd: self.fileDescriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 1_000)
                } else {
                    return false
                }
            }
            return true
        }
    }
}

/// `write(2)`, out of reach of ``LogLineWriter/write(_:)``'s name.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
