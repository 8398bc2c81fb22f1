import Foundation
import Testing

@testable import MalomoAdmin

@Suite struct MalomoAPIResponseTests {
    @Test func listsAreReadBareWrappedOrUnderTheirOnlyArray() throws {
        let item = #"{"id":"a1","topic":"orders:created","url":"https://h/x","active":false,"created_at":"2026-01-01T00:00:00Z","extra":{"x":1}}"#
        for body in ["[\(item)]", #"{"data":[\#(item)]}"#, #"{"webhooks":[\#(item)],"meta":{}}"#, #"{"things":[\#(item)],"count":1}"#] {
            let page = try MalomoAPIResponse.webhooks(Data(body.utf8))
            #expect(
                page.webhooks == [
                    MalomoWebhook(id: "a1", topic: "orders:created", url: "https://h/x", active: false, createdAt: "2026-01-01T00:00:00Z")
                ],
                "\(body)"
            )
            #expect(page.skipped == 0)
        }
    }

    @Test func entriesWithoutAStringIdAreSkippedAndCounted() throws {
        let page = try MalomoAPIResponse.webhooks(Data(#"[{"id":7,"topic":"t"},{"topic":"t"},"x",{"id":"ok"}]"#.utf8))
        #expect(page.webhooks.map(\.id) == ["ok"])
        #expect(page.webhooks[0].active, "a missing active is Malomo's default, true")
        #expect(page.skipped == 3)
    }

    @Test(arguments: ["", "{", "42", #"{"a":[],"b":[]}"#, #"{"a":1}"#])
    func answersThatAreNotAListAreErrors(_ body: String) {
        #expect(throws: MalomoAPIError.self) { try MalomoAPIResponse.webhooks(Data(body.utf8)) }
    }

    @Test func nextPageLinksAreFound() throws {
        #expect(try MalomoAPIResponse.webhooks(Data(#"{"data":[],"next":"/webhooks?page=2"}"#.utf8)).next == "/webhooks?page=2")
        #expect(try MalomoAPIResponse.webhooks(Data(#"{"data":[],"links":{"next":"https://a/b"}}"#.utf8)).next == "https://a/b")
        #expect(try MalomoAPIResponse.webhooks(Data(#"{"data":[],"links":{"next":null}}"#.utf8)).next == nil)
    }

    @Test func aSingleWebhookIsReadBareOrWrapped() throws {
        #expect(try MalomoAPIResponse.webhook(Data(#"{"id":"w","topic":"orders:created"}"#.utf8)).id == "w")
        #expect(try MalomoAPIResponse.webhook(Data(#"{"data":{"id":"w"}}"#.utf8)).id == "w")
        #expect(throws: MalomoAPIError.self) { try MalomoAPIResponse.webhook(Data(#"{"data":{"name":"w"}}"#.utf8)) }
    }

    @Test func malomosErrorObjectIsRead() {
        let fields = MalomoAPIResponse.errorFields(Data(#"{"code":"invalid","message":"topic is invalid","request_id":"r1","status":422}"#.utf8))
        #expect(fields.code == "invalid" && fields.message == "topic is invalid" && fields.requestID == "r1")
        #expect(MalomoAPIResponse.errorFields(Data("<html>".utf8)).message == nil)
        let error = MalomoAPIError(kind: .status(422), message: "topic is invalid", code: "invalid", requestID: "r1", request: "POST /webhooks")
        #expect(error.description == "POST /webhooks: Malomo rejected the request (422): topic is invalid [code invalid] (request_id r1)")
        #expect(MalomoAPIError(kind: .status(401), message: "").description.contains("check MALOMO_API_KEY"))
    }

    @Test func retryAfterIsSecondsOrAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(RetryAfter.parse("3", now: now) == .seconds(3))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("-1", now: now) == nil)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.parse(formatter.string(from: now.addingTimeInterval(5)), now: now) == .seconds(5))
        #expect(RetryAfter.parse(formatter.string(from: now.addingTimeInterval(-5)), now: now) == .zero)
    }

    @Test func theAPIKeyNeverPrints() throws {
        let key = try #require(MalomoAPIKey("sk_live_abc"))
        #expect("\(key)" == "[redacted]" && String(reflecting: key) == "[redacted]")
        #expect(MalomoAPIKey("") == nil && MalomoAPIKey("sk live") == nil && MalomoAPIKey("sk\n") == nil)
    }
}
