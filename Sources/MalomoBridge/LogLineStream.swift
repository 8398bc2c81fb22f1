/// A `TextOutputStream` over a ``LogLineWriter``, for swift-log's `StreamLogHandler` (the text
/// log format): each line it writes goes through the writer's bounded buffer.
public struct LogLineStream: TextOutputStream, Sendable {
    private let writer: LogLineWriter

    /// A stream into `writer`.
    public init(writer: LogLineWriter) {
        self.writer = writer
    }

    /// Queues `string` (StreamLogHandler writes each line whole, newline included).
    public mutating func write(_ string: String) {
        self.writer.write(string)
    }
}
