/// Why a record could not be decoded. ``reason`` is a stable, bounded label (it goes into
/// the dead-letter header and metrics); ``message`` says what and where.
public struct MalomoDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable label.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        /// The body is not JSON.
        public static let invalidJSON = Reason(rawValue: "invalid_json")
        /// A required field (the resource `id`) is missing.
        public static let missingField = Reason(rawValue: "missing_field")
        /// The body is JSON but not the resource's shape (e.g. an array).
        public static let unexpectedShape = Reason(rawValue: "unexpected_shape")
        public var description: String { self.rawValue }
    }

    public let reason: Reason
    /// The Malomo topic being decoded.
    public let topic: String
    public let message: String

    public init(reason: Reason, topic: String, message: String) {
        self.reason = reason
        self.topic = topic
        self.message = message
    }

    public var description: String { "cannot decode \(self.topic) (\(self.reason)): \(self.message)" }
}
