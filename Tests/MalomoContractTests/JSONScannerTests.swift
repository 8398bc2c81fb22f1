import MalomoContract
import Testing

/// Records what the scanner reports, as text, to check the visitor protocol.
private struct Transcript: JSONScanVisitor {
    var events: [String] = []
    mutating func beginObject() { self.events.append("{") }
    mutating func key(_ name: JSONScanner.StringToken) { self.events.append("k:\(name.string)") }
    mutating func endObject() { self.events.append("}") }
    mutating func beginArray() { self.events.append("[") }
    mutating func endArray() { self.events.append("]") }
    mutating func string(_ value: JSONScanner.StringToken) { self.events.append("s:\(value.string)") }
    mutating func number(_ text: UnsafeRawBufferPointer, isInteger: Bool) {
        self.events.append("\(isInteger ? "i" : "d"):\(String(decoding: text, as: UTF8.self))")
    }
    mutating func bool(_ value: Bool) { self.events.append("b:\(value)") }
    mutating func null() { self.events.append("null") }
}

@Suite struct JSONScannerTests {
    func transcript(_ json: String) throws(JSONScanError) -> [String] {
        var visitor = Transcript()
        let bytes = Array(json.utf8)
        let result: Result<Void, JSONScanError> = bytes.withUnsafeBytes { buffer in
            do throws(JSONScanError) {
                try JSONScanner.scan(buffer, visitor: &visitor)
                return .success(())
            } catch { return .failure(error) }
        }
        try result.get()
        return visitor.events
    }

    @Test func reportsEveryValueInOrder() throws {
        #expect(
            try transcript(#" {"a":[1,-2.5e3,true,false,null],"b\n":"x\u00e9\ud83d\ude00","c":{}} "#) == [
                "{", "k:a", "[", "i:1", "d:-2.5e3", "b:true", "b:false", "null", "]", "k:b\n", "s:xé😀", "k:c", "{", "}", "}",
            ]
        )
        #expect(try transcript("0") == ["i:0"])
        #expect(try transcript(#""\/\\\"\b\f\n\r\t""#) == ["s:/\\\"\u{8}\u{c}\n\r\t"])
    }

    @Test(
        arguments: [
            ("", "unexpected end of input"), ("{", "expected a member name"), (#"{"a" 1}"#, "expected ':'"),
            (#"{"a":1 "b":2}"#, "expected ',' or '}'"), ("[1 2]", "expected ',' or ']'"), ("01", "unexpected data after the document"),
            ("-", "unexpected end of input in a number"), ("1.", "invalid number"), ("1e", "invalid number"), (".5", "unexpected character"),
            ("+1", "unexpected character"), ("tru", "unexpected end of input"), ("nul!", "invalid literal"), (#""\x""#, "invalid escape"),
            (#""\ud800""#, "unpaired surrogate"), (#""\udc00""#, "unpaired surrogate"), (#""\ud800\u0041""#, "unpaired surrogate"),
            (#""\u12G4""#, #"invalid \u escape"#), ("\"a\tb\"", "control character in a string"), ("\"abc", "unterminated string"),
            ("[1,]", "unexpected character"), (#"{"a":1,}"#, "expected a member name"), ("NaN", "unexpected character"),
            ("{} {}", "unexpected data after the document"),
        ] as [(String, String)]
    )
    func rejectsWithAPreciseReason(json: String, reason: String) {
        #expect(throws: JSONScanError.self) { try self.transcript(json) }
        do {
            _ = try self.transcript(json)
        } catch {
            #expect(error.reason == reason, "\(json)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [
            [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82],
        ] {
            var visitor = Transcript()
            let result: Result<Void, JSONScanError> = bytes.withUnsafeBytes { buffer in
                do throws(JSONScanError) {
                    try JSONScanner.scan(buffer, visitor: &visitor)
                    return .success(())
                } catch { return .failure(error) }
            }
            guard case .failure(let error) = result else {
                Issue.record("accepted \(bytes)")
                continue
            }
            #expect(error.reason.contains("UTF-8"))
        }
    }

    @Test func oneDepthLimitForObjectsAndArrays() throws {
        let limit = JSONScanner.maximumDepth
        #expect(limit == 128)
        _ = try transcript(String(repeating: "[", count: limit) + String(repeating: "]", count: limit))
        #expect(throws: JSONScanError.self) {
            try self.transcript(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
        }
        let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        do {
            _ = try transcript(objects)
            Issue.record("accepted \(limit + 1) nested objects")
        } catch {
            #expect(error.reason == "nesting deeper than 128")
        }
    }

    @Test func stringTokenEquality() throws {
        struct Keys: JSONScanVisitor {
            var matches: [Bool] = []
            mutating func beginObject() {}
            mutating func key(_ name: JSONScanner.StringToken) { self.matches.append(name.equals("id")) }
            mutating func endObject() {}
            mutating func beginArray() {}
            mutating func endArray() {}
            mutating func string(_ value: JSONScanner.StringToken) {}
            mutating func number(_ text: UnsafeRawBufferPointer, isInteger: Bool) {}
            mutating func bool(_ value: Bool) {}
            mutating func null() {}
        }
        var keys = Keys()
        try Array(#"{"id":1,"\u0069d":2,"idx":3,"i":4}"#.utf8).withUnsafeBytes { buffer in try JSONScanner.scan(buffer, visitor: &keys) }
        #expect(keys.matches == [true, true, false, false])
    }

    /// Strings are scanned eight bytes at a time: every byte value, at every position of a
    /// word, must still be found where it is, with the offset of the byte itself.
    @Test func everyByteAtEveryPositionOfALongString() {
        for byte in 0...255 {
            for position in 0..<16 {
                let document =
                    [0x22] + Array(repeating: UInt8(ascii: "a"), count: position) + [UInt8(byte)]
                    + Array(repeating: UInt8(ascii: "b"), count: 20) + [0x22]
                var visitor = Transcript()
                let result: Result<Void, JSONScanError> = document.withUnsafeBytes { buffer in
                    do throws(JSONScanError) {
                        try JSONScanner.scan(buffer, visitor: &visitor)
                        return .success(())
                    } catch { return .failure(error) }
                }
                let label = "byte \(byte) at \(position)"
                switch byte {
                case 0x22:
                    // The string ends there; the next byte is left over.
                    guard case .failure(let error) = result else {
                        Issue.record("accepted: \(label)")
                        continue
                    }
                    #expect(error.reason == "unexpected data after the document" && error.offset == position + 2, "\(label)")
                case 0x5C:
                    // `\b`: a valid escape.
                    #expect(
                        visitor.events == ["s:" + String(repeating: "a", count: position) + "\u{8}" + String(repeating: "b", count: 19)],
                        "\(label)"
                    )
                case 0x00..<0x20:
                    guard case .failure(let error) = result else {
                        Issue.record("accepted: \(label)")
                        continue
                    }
                    #expect(error.reason == "control character in a string" && error.offset == position + 1, "\(label)")
                case 0x80...:
                    // A lone byte of 0x80 or above followed by ASCII is never valid UTF-8.
                    guard case .failure(let error) = result else {
                        Issue.record("accepted: \(label)")
                        continue
                    }
                    #expect(error.reason == "invalid UTF-8" && error.offset == position + 1, "\(label)")
                default:
                    let text = String(repeating: "a", count: position) + String(UnicodeScalar(UInt8(byte))) + String(repeating: "b", count: 20)
                    #expect(visitor.events == ["s:" + text], "\(label)")
                }
            }
        }
    }

    @Test func whitespaceRunsOfEveryLength() throws {
        for length in 0..<20 {
            let spaces = String(repeating: " ", count: length)
            #expect(try transcript(spaces + "[" + spaces + "1" + spaces + "]" + spaces) == ["[", "i:1", "]"], "\(length)")
            // A tab, a newline or a carriage return anywhere in a run of spaces.
            for other in ["\t", "\n", "\r"] where length > 0 {
                for index in 0..<length {
                    var run = Array(spaces)
                    run[index] = Character(other)
                    #expect(try transcript("{" + String(run) + "\"k\":" + String(run) + "2}") == ["{", "k:k", "i:2", "}"])
                }
            }
            // Anything else ends the run where it stands.
            do {
                _ = try transcript("[" + spaces + "x]")
                Issue.record("accepted x after \(length) spaces")
            } catch {
                #expect(error.offset == length + 1 && error.reason == "unexpected character")
            }
        }
    }
}
