import Foundation
import Logging
import MalomoBridge
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The log writer over real pipes: lines whole and in order, a reader that stops costing
/// dropped (and counted) lines rather than a blocked caller, a refused descriptor counted.
@Suite struct LogLineWriterTests {
    /// A pipe's two ends.
    struct LogPipe {
        let read: Int32
        let write: Int32

        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
            self.read = ends[0]
            self.write = ends[1]
        }

        /// Reads until the write end is closed, on a thread of its own.
        func drain() -> DrainedPipe {
            let drained = DrainedPipe()
            let read = self.read
            Thread {
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    drained.bytes.withLock { $0.append(contentsOf: buffer[..<count]) }
                }
                close(read)
                drained.done.signal()
            }.start()
            return drained
        }
    }

    /// What a drain read.
    final class DrainedPipe: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let done = DispatchSemaphore(value: 0)

        /// Waits for the end of the pipe.
        var lines: [String] {
            self.done.wait()
            self.done.signal()
            return self.bytes.withLock { String(decoding: $0, as: UTF8.self) }.split(separator: "\n", omittingEmptySubsequences: false).map(
                String.init
            )
        }
    }

    /// Drops counted and reported.
    final class Drops: Sendable {
        let counted = Mutex(0)
        let reported = Mutex<[Int]>([])
    }

    static func wait(until condition: () -> Bool, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            usleep(5_000)
        }
        return true
    }

    @Test(.timeLimit(.minutes(1))) func linesArriveWholeAndInOrder() throws {
        let pipe = try LogPipe()
        let drained = pipe.drain()
        let writer = LogLineWriter(fileDescriptor: pipe.write, capacityBytes: 1 << 20)
        for index in 0..<5_000 { writer.write("line \(index)\n") }
        #expect(writer.flush(timeout: .seconds(10)))
        close(pipe.write)
        #expect(drained.lines == (0..<5_000).map { "line \($0)" } + [""])
        #expect(writer.droppedLines == 0)
    }

    /// A reader that stops: the pipe (64 KiB) and the buffer fill, and every write after that
    /// returns at once with its line dropped and counted. (Written through to the pipe, the
    /// 700th of these lines would block this test forever.) Once the reader reads again, what
    /// was kept arrives whole and in order, and the drops are reported.
    @Test(.timeLimit(.minutes(1))) func aStalledReaderCostsDroppedLinesNotABlockedCaller() throws {
        let pipe = try LogPipe()
        let pipeBytes = Int(fcntl(pipe.write, 1032))  // F_GETPIPE_SZ
        #expect(pipeBytes > 0)
        let writer = LogLineWriter(fileDescriptor: pipe.write, capacityBytes: 8_192)
        let drops = Drops()
        writer.observeDrops { count in
            drops.counted.withLock { $0 += count }
        } report: { count in
            drops.reported.withLock { $0.append(count) }
        }
        let payload = String(repeating: "x", count: 90)
        let total = 20_000
        for index in 0..<total { writer.write("\(String(index).padding(toLength: 8, withPad: " ", startingAt: 0))\(payload)\n") }
        let dropped = writer.droppedLines
        #expect(dropped > 0)
        #expect(dropped < total)
        #expect(drops.counted.withLock { $0 } == dropped)

        let drained = pipe.drain()
        #expect(writer.flush(timeout: .seconds(10)))
        // A flush waits for the report too (at exit, the warning is the line that matters).
        #expect(drops.reported.withLock { $0.reduce(0, +) } == dropped, "reported \(drops.reported.withLock { $0 }) of \(dropped)")
        close(pipe.write)
        let lines = drained.lines.dropLast()
        #expect(lines.count + dropped == total)
        // What was kept is bounded by the pipe and the buffer: the batch being written counts
        // against the buffer, so at most 8 KiB waited beyond what the pipe held.
        #expect(lines.count <= (pipeBytes + 8_192) / 99 + 1, "kept \(lines.count) lines of 99 bytes with a \(pipeBytes)-byte pipe")
        let indices = lines.compactMap { line -> Int? in
            guard line.count == 98, line.hasSuffix(payload) else { return nil }
            return Int(line.prefix(8).trimmingCharacters(in: .whitespaces))
        }
        #expect(indices.count == lines.count, "torn or mixed lines")
        #expect(indices == indices.sorted() && Set(indices).count == indices.count, "lines out of order or repeated")
        #expect(indices.first == 0, "the first lines, written before the pipe filled, were lost")
    }

    /// A descriptor that refuses writes: its lines are lost, and counted (not reported in a
    /// line, which would be lost the same way).
    @Test(.timeLimit(.minutes(1))) func aRefusedDescriptorCountsItsLines() {
        let writer = LogLineWriter(fileDescriptor: -1, capacityBytes: 4_096)
        let drops = Drops()
        writer.observeDrops { count in
            drops.counted.withLock { $0 += count }
        } report: { count in
            drops.reported.withLock { $0.append(count) }
        }
        for index in 0..<3 { writer.write("line \(index)\n") }
        #expect(Self.wait { writer.droppedLines == 3 && drops.counted.withLock { $0 } == 3 })
        #expect(writer.flush(timeout: .seconds(10)))
        #expect(drops.reported.withLock { $0 }.isEmpty)
    }

    /// A line longer than the whole buffer still goes out when nothing waits before it.
    @Test(.timeLimit(.minutes(1))) func aLineLongerThanTheBufferIsWrittenAlone() throws {
        let pipe = try LogPipe()
        let drained = pipe.drain()
        let writer = LogLineWriter(fileDescriptor: pipe.write, capacityBytes: 4_096)
        let long = String(repeating: "z", count: 10_000)
        writer.write(long + "\n")
        #expect(writer.flush(timeout: .seconds(10)))
        close(pipe.write)
        #expect(drained.lines == [long, ""])
        #expect(writer.droppedLines == 0)
    }

    /// Lines dropped before anyone observed are passed on when an observer arrives.
    @Test(.timeLimit(.minutes(1))) func dropsBeforeObservingAreReportedOnObserving() throws {
        let pipe = try LogPipe()
        let writer = LogLineWriter(fileDescriptor: pipe.write, capacityBytes: 4_096)
        let line = String(repeating: "y", count: 1_023) + "\n"
        for _ in 0..<200 { writer.write(line) }  // 200 KiB: the pipe and the buffer hold less
        let dropped = writer.droppedLines
        #expect(dropped > 0)
        let drops = Drops()
        writer.observeDrops { count in
            drops.counted.withLock { $0 += count }
        } report: { count in
            drops.reported.withLock { $0.append(count) }
        }
        #expect(drops.counted.withLock { $0 } == dropped)
        #expect(drops.reported.withLock { $0 } == [dropped])
        let drained = pipe.drain()
        #expect(writer.flush(timeout: .seconds(10)))
        close(pipe.write)
        #expect(drained.lines.count - 1 + dropped == 200)
    }

    /// The text format: swift-log's StreamLogHandler through the writer.
    @Test(.timeLimit(.minutes(1))) func theTextFormatGoesThroughTheWriter() throws {
        let pipe = try LogPipe()
        let drained = pipe.drain()
        let writer = LogLineWriter(fileDescriptor: pipe.write, capacityBytes: 4_096)
        let logger = Logger(label: "text-test") { label in StreamLogHandler(label: label, stream: LogLineStream(writer: writer)) }
        logger.info("hello", metadata: ["k": "v"])
        #expect(writer.flush(timeout: .seconds(10)))
        close(pipe.write)
        let lines = drained.lines
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("info text-test: k=v [MalomoBridgeTests] hello") == true, "\(lines)")
    }
}
