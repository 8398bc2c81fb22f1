extension KeyedDecodingContainer {
    /// The value, or `nil` when absent, `null`, or of an unexpected type: one odd field
    /// never makes a whole resource undecodable.
    func tolerant<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        (try? self.decodeIfPresent(type, forKey: key)) ?? nil
    }

    /// Text given as a string, or as a number (ids and order numbers sometimes are).
    func text(_ key: Key) -> String? {
        if let value = try? self.decodeIfPresent(String.self, forKey: key) { return value }
        if let value = try? self.decodeIfPresent(Int64.self, forKey: key) { return String(value) }
        if let value = try? self.decodeIfPresent(Double.self, forKey: key) { return String(value) }
        return nil
    }

    /// A required identifier, as a string (a number is accepted and kept as its text).
    func identifier(_ key: Key) throws -> String {
        if let value = self.text(key) { return value }
        throw DecodingError.keyNotFound(
            key, .init(codingPath: self.codingPath, debugDescription: "required identifier '\(key.stringValue)' is missing"))
    }
}
