import Foundation
import Logging
import MalomoBridge
import MalomoTestSupport
import Testing

@Suite struct JSONLogHandlerTests {
    @Test func oneParsableObjectPerLineAndNoInjection() throws {
        let lines = LockedBox<[String]>([])
        var handler = JSONLogHandler(label: "malomo-bridge", level: .info) { line in lines.withLock { $0.append(line) } }
        handler[metadataKey: "static"] = "yes"
        let logger = Logger(label: "malomo-bridge") { _ in handler }
        logger.info(
            "Webhook rejected\n{\"level\":\"critical\"}",
            metadata: ["malomo_topic": "orders:created\n{\"forged\":true}", "nested": ["a": ["1", "2"]], "n": .stringConvertible(42)]
        )
        logger.debug("hidden")
        let written = lines.value
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false, "one line per event, whatever the input")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "malomo-bridge")
        #expect(object["message"] as? String == "Webhook rejected\n{\"level\":\"critical\"}")
        #expect(object["malomo_topic"] as? String == "orders:created\n{\"forged\":true}")
        #expect((object["nested"] as? [String: Any])?["a"] as? [String] == ["1", "2"])
        #expect(object["n"] as? String == "42")
        #expect(object["static"] as? String == "yes")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }

    /// Plain ASCII takes a fast path; everything else is escaped as before, whatever the mix.
    @Test func everyKindOfTextRoundTrips() throws {
        let texts = [
            "", "plain ascii 0123 ~!@#$%^&*()", "a\"b", "a\\b", "tab\tnew\nline\r", "\u{1}\u{1f}\u{7f}", "caf\u{e9} \u{1F600}",
            "line\u{2028}para\u{2029}", String(repeating: "x", count: 300),
        ]
        for text in texts {
            let lines = LockedBox<[String]>([])
            let handler = JSONLogHandler(label: "t", level: .info) { line in lines.withLock { $0.append(line) } }
            let logger = Logger(label: "t") { _ in handler }
            logger.info("m", metadata: ["text": .string(text)])
            let line = try #require(lines.value.first)
            #expect(!line.dropLast().contains("\n") && !line.contains("\u{2028}") && !line.contains("\u{2029}"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["text"] as? String == text)
        }
    }
}
