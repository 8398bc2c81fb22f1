import Foundation
import MalomoContract
import MalomoFixtures
import MalomoWebhookCore
import Testing

@Suite struct JSONRoutingScanTests {
    func id(_ json: String) throws -> String? {
        try JSONRoutingScan(Array(json.utf8)).id.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func extractsTopLevelStringID() throws {
        #expect(try id(#"{"id":"abc"}"#) == "abc")
        #expect(try id(#"  { "a": {"id": "inner"}, "id" : "outer", "b": [{"id":"x"}] }  "#) == "outer")
        #expect(try id(#"{"id":"a\"b\\c\u00e9\ud83d\ude00"}"#) == "a\"b\\cé😀")
    }

    @Test func numericIDKeepsItsText() throws {
        #expect(try id(#"{"id":5523016449801}"#) == "5523016449801")
        #expect(try id(#"{"id":-1.5e3}"#) == "-1.5e3")
    }

    @Test func noKeyWhenAbsentOrNotScalar() throws {
        #expect(try id(#"{"number":"1000"}"#) == nil)
        #expect(try id(#"{"id":null}"#) == nil)
        #expect(try id(#"{"id":{"x":1}}"#) == nil)
        #expect(try id(#"[{"id":"a"}]"#) == nil)
        #expect(try id(#""id""#) == nil)
        #expect(try id("{}") == nil)
    }

    @Test(arguments: ["order.json", "order-minimal.json", "order-unknown-fields.json", "customer.json", "event.json"])
    func fixturesAreValidAndKeyed(file: String) throws {
        let bytes = try Fixture.bytes(file)
        let scan = try JSONRoutingScan(bytes)
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        #expect(scan.id.map { String(decoding: $0, as: UTF8.self) } == object["id"] as? String)
    }

    @Test(arguments: [
        "", " ", "{", "}", #"{"id":"abc""#, #"{"id":"abc",}"#, #"{"a":1 "b":2}"#, "[1,]", "[1 2]", "01", "1.", "-",
        "1e", "tru", "nul", #"{"a":undefined}"#, "{'a':1}", #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #""\ud800""#,
        #""\udc00""#, "\"a\u{1}b\"", #"{"a":1}{"b":2}"#, #"{"a":NaN}"#, "[" + String(repeating: "[", count: 200),
        // The docs' typos (REFERENCE.md §5.1): missing comma, trailing comma.
        #"{"meta":{} "number":"1000"}"#, #"{"location":{"state":"IN",}}"#,
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONRoutingScan.Failure.self) { try JSONRoutingScan(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] {
            #expect(throws: JSONRoutingScan.Failure.self) { try JSONRoutingScan(bytes) }
        }
        #expect(throws: Never.self) { try JSONRoutingScan(Array("\"é😀\"".utf8)) }
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        _ = try JSONRoutingScan(Array(ok.utf8))
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: JSONRoutingScan.Failure.self) { try JSONRoutingScan(Array(deep.utf8)) }
    }

    /// Valid for both, and the same top-level "id" where there is one.
    @Test func agreesWithJSONSerializationOnValidityAndTheID() throws {
        for text in [
            "1", "-0", "0.5", "1E+2", "true", "false", "null", #""""#, "[]", "{}", #"[1,"a",{"b":[null]}]"#,
            #"{"id":"plain"}"#, #"{"id":"esc\"aped\u00e9\ud83d\ude00"}"#, #"{"a":{"id":"inner"},"id":"outer"}"#, #"{"id":["x"]}"#,
        ] {
            let scan = try JSONRoutingScan(Array(text.utf8))
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            let foundationID = (object as? [String: Any])?["id"] as? String
            #expect(scan.id.map { String(decoding: $0, as: UTF8.self) } == foundationID, "\(text)")
        }
        // And both refuse what RFC 8259 refuses (JSONSerialization is laxer elsewhere, e.g. trailing commas).
        for text in ["", "{", #"{"a":}"#, "[1 2]", "01", "nul", #""\x""#] {
            #expect(throws: JSONRoutingScan.Failure.self, "\(text)") { try JSONRoutingScan(Array(text.utf8)) }
            #expect(throws: (any Error).self, "\(text)") { try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
        }
    }
}
