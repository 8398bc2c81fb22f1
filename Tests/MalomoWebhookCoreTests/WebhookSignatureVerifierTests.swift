import MalomoContract
import MalomoFixtures
import MalomoWebhookCore
import Testing

@Suite struct WebhookSignatureVerifierTests {
    let secret = WebhookSecret("test_secret")!
    let body = Array(#"{"id":"abc"}"#.utf8)
    // From REFERENCE.md §1.4 (composed there, not from Malomo).
    let upper = "5DB16D9A3E375337ABF73C957BA145A6D11237474981E81940C12DD655E45887"

    @Test func referenceVectorUpperCase() {
        #expect(WebhookSignatureVerifier.verify(signature: upper, body: body, secrets: [secret], allowUnsigned: false) == .valid)
    }

    @Test func referenceVectorLowerAndMixedCase() {
        let lower = upper.lowercased()
        let mixed = String(upper.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.lowercased()) : $0.element })
        for signature in [lower, mixed, " \(upper) "] {
            #expect(
                WebhookSignatureVerifier.verify(signature: signature, body: body, secrets: [secret], allowUnsigned: false)
                    == .valid
            )
        }
    }

    @Test func signReproducesTheVector() {
        #expect(WebhookSignatureVerifier.sign(body: body, secret: secret) == upper)
    }

    @Test(arguments: [
        ("customer.json", "1B9EED56A8E6CAEDE150E3E38B195FEBBD13428332361AECA9D52F72D0B37200"),
        ("order.json", "F80E436DBAD6D888DABCB10C3966DD4E24233A6E53499FBC1F416BED40C20A45"),
    ])
    func fixtureSignatures(file: String, expected: String) throws {
        let bytes = try Fixture.bytes(file)
        #expect(WebhookSignatureVerifier.sign(body: bytes, secret: secret) == expected)
        #expect(WebhookSignatureVerifier.verify(signature: expected, body: bytes, secrets: [secret], allowUnsigned: false) == .valid)
    }

    @Test func rotationAcceptsAnyConfiguredSecret() {
        let old = WebhookSecret("old-secret")!
        #expect(
            WebhookSignatureVerifier.verify(signature: upper, body: body, secrets: [old, secret], allowUnsigned: false)
                == .valid
        )
        #expect(
            WebhookSignatureVerifier.verify(signature: upper, body: body, secrets: [secret, old], allowUnsigned: false)
                == .valid
        )
        #expect(
            WebhookSignatureVerifier.verify(signature: upper, body: body, secrets: [old], allowUnsigned: false) == .mismatch
        )
    }

    @Test func missingHeader() {
        #expect(WebhookSignatureVerifier.verify(signature: nil, body: body, secrets: [secret], allowUnsigned: false) == .missing)
        // A secret applies, so allowing unsigned webhooks does not excuse a missing signature.
        #expect(WebhookSignatureVerifier.verify(signature: nil, body: body, secrets: [secret], allowUnsigned: true) == .missing)
    }

    @Test func tamperedBody() {
        var tampered = body
        tampered[7] = UInt8(ascii: "x")
        #expect(WebhookSignatureVerifier.verify(signature: upper, body: tampered, secrets: [secret], allowUnsigned: false) == .mismatch)
        #expect(
            WebhookSignatureVerifier.verify(signature: upper, body: body + [0x0A], secrets: [secret], allowUnsigned: false)
                == .mismatch
        )
    }

    @Test(arguments: [
        "", "abc", String(repeating: "g", count: 64), String(repeating: "a", count: 63),
        String(repeating: "a", count: 65), "sha256=" + String(repeating: "a", count: 64),
        "XbFtmj43Uzer9zyVe6FFptESN0dJgegZQMEt1lXkWIc=",
    ])
    func malformedHeaders(signature: String) {
        #expect(WebhookSignatureVerifier.verify(signature: signature, body: body, secrets: [secret], allowUnsigned: false) == .malformed)
    }

    @Test func noSecret() {
        #expect(WebhookSignatureVerifier.verify(signature: nil, body: body, secrets: [], allowUnsigned: false) == .noSecretConfigured)
        #expect(WebhookSignatureVerifier.verify(signature: nil, body: body, secrets: [], allowUnsigned: true) == .unsignedAllowed)
    }

    @Test func secretsTrimAndHideThemselves() {
        #expect(WebhookSecret("  test_secret\n") == secret)
        #expect(WebhookSecret(" \n") == nil)
        #expect(!"\(secret)".contains("test_secret"))
    }
}
