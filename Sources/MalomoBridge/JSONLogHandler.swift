import Foundation
import Logging
import MalomoContract
import MalomoWebhookCore

/// A swift-log handler writing one JSON object per line: `time`, `level`, `logger`,
/// `message`, then the metadata (nested metadata as JSON). Strings are JSON-escaped, so
/// input that reaches a log line (a header value, say) cannot forge another line.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// Creates a handler writing to standard error.
    public init(label: String, level: Logger.Level) {
        self.init(label: label, level: level) { line in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Creates a handler writing lines through `write` (tests).
    public init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = "{\"time\":"
        line += Self.quote(RFC3339Now.string())
        line += ",\"level\":" + Self.quote(event.level.rawValue)
        line += ",\"logger\":" + Self.quote(self.label)
        line += ",\"message\":" + Self.quote(event.message.description)
        for key in merged.keys.sorted() where !["time", "level", "logger", "message"].contains(key) {
            line += "," + Self.quote(key) + ":" + Self.json(merged[key]!)
        }
        line += "}\n"
        self.write(line)
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): return quote(text)
        case .stringConvertible(let convertible): return quote(convertible.description)
        case .array(let values): return "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.keys.sorted().map { quote($0) + ":" + json(dictionary[$0]!) }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ text: String) -> String {
        // Ids, topics and messages are nearly always printable ASCII: one copy, no per-scalar work.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            var out = "\""
            out.reserveCapacity(text.utf8.count + 2)
            out += text
            out += "\""
            return out
        }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
