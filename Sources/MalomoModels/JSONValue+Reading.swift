#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Tolerant reads used by every model: absent, `null` and a value of an unexpected type all
/// read as `nil`, so one odd field never makes a whole resource undecodable.
extension JSONValue {
    /// Text: a string, or a number's text (ids and order numbers are sometimes numbers).
    var text: String? {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        case .double(let value) where value.isFinite: String(value)
        default: nil
        }
    }

    /// A boolean.
    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A timestamp in any accepted shape (see ``MalomoTimestamp``).
    var timestamp: MalomoTimestamp? { MalomoTimestamp(json: self) }

    /// An object's members.
    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// An array's elements.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}

extension MalomoOpenEnum {
    /// The case for a string value; `nil` for anything else.
    init?(json: JSONValue?) {
        guard case .string(let value)? = json else { return nil }
        self.init(rawValue: value)
    }
}

extension MalomoTimestamp {
    /// A timestamp from a string (any accepted shape, or Unix seconds as text) or a number
    /// (Unix seconds); `nil` otherwise.
    init?(json: JSONValue?) {
        switch json {
        case .string(let text)?:
            if let parsed = MalomoTimestamp(text) {
                self = parsed
            } else if let seconds = Double(text), seconds.isFinite {
                self.init(rawValue: text, kind: .instant(Date(timeIntervalSince1970: seconds)))
            } else {
                return nil
            }
        case .integer(let seconds)?: self.init(unixSeconds: seconds)
        case .double(let seconds)? where seconds.isFinite: self.init(unixSeconds: seconds)
        default: return nil
        }
    }
}

/// Decodes a model through its JSON initializer, so `Codable` and the fast path agree.
func decodeThroughJSON<T>(_ decoder: any Decoder, _ make: (JSONValue) -> T?, _ what: String) throws -> T {
    let json = try JSONValue(from: decoder)
    guard let value = make(json) else {
        throw DecodingError.dataCorrupted(
            .init(codingPath: decoder.codingPath, debugDescription: "not a \(what) (an object with the required fields)")
        )
    }
    return value
}
