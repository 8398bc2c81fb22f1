/// A failure of an admin command, with the message the operator sees.
public struct AdminError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and, where it helps, what to do.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { self.message }
}
