/// How log lines are written.
public enum LogFormat: String, Sendable, Hashable {
    /// One JSON object per line (the default in containers).
    case json
    /// swift-log's human-readable lines (the default in dev mode).
    case text
}
