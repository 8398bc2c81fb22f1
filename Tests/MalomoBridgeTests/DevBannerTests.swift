import Foundation
import Logging
import MalomoBridge
import MalomoWebhookCore
import Testing

/// The dev banner's `curl` carries the bundled sample by path on a host, and inline in a
/// container (where that path is not on the machine the command is pasted on); either way
/// its signature is the sample's. (scripts/check-image runs the container form as printed.)
@Suite struct DevBannerTests {
    @Test func theCurlCarriesTheSampleByPathOnAHostAndInlineInAContainer() throws {
        let dev = try DevEnvironment(logger: Logger(label: "dev-banner-test"))
        var configuration = BridgeConfiguration(kafkaBrokers: [])
        try dev.apply(to: &configuration)
        let path = try #require(DevEnvironment.sampleOrderPath)
        let sample = try #require(FileManager.default.contents(atPath: path))
        let signature = WebhookSignatureVerifier.sign(body: Array(sample), secret: try #require(WebhookSecret(DevEnvironment.devSecret)))

        let host = dev.banner(configuration: configuration, port: 8080, managementPort: 9090, inContainer: false)
        #expect(host.contains("--data-binary @\(path)\n"))
        #expect(host.contains("Malomo-Signature: \(signature)"))
        #expect(host.contains("  swift run malomo-events-tail --brokers "))

        let container = dev.banner(configuration: configuration, port: 8080, managementPort: 9090, inContainer: true)
        #expect(container.contains("Malomo-Signature: \(signature)"))
        #expect(!container.contains("--data-binary @\(path)"))
        #expect(container.contains("\n  docker exec <container> malomo-events-tail --brokers "))
        let opener = "--data-binary @- <<'MALOMO_SAMPLE_ORDER'\n"
        let start = try #require(container.range(of: opener)).upperBound
        let end = try #require(container.range(of: "\nMALOMO_SAMPLE_ORDER\n", range: start..<container.endIndex)).lowerBound
        // A here-document's text is its lines, each ending in a newline: the sample's bytes.
        #expect(Data((container[start..<end] + "\n").utf8) == sample)
    }

    /// Bytes a quoted here-document would not reproduce exactly fall back to the path form.
    @Test(
        arguments: [
            ("{}\n", "{}"), ("a\nb\n", "a\nb"), ("{}", nil), ("a\r\nb\n", nil), ("a\u{0}b\n", nil),
            ("{\nMALOMO_SAMPLE_ORDER\n}\n", nil), ("x MALOMO_SAMPLE_ORDER\n", "x MALOMO_SAMPLE_ORDER"),
        ] as [(String, String?)]
    )
    func hereDocumentText(input: String, expected: String?) {
        #expect(DevEnvironment.hereDocumentText(Data(input.utf8), delimiter: "MALOMO_SAMPLE_ORDER") == expected)
    }

    @Test func invalidUTF8IsNotPutInAHereDocument() {
        #expect(DevEnvironment.hereDocumentText(Data([0x7B, 0xFF, 0x7D, 0x0A]), delimiter: "EOF") == nil)
    }
}
