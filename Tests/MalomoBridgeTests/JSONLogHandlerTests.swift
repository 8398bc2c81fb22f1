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
}
