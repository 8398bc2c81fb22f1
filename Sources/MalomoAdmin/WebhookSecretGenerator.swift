import Foundation

/// Fresh webhook secrets.
public enum WebhookSecretGenerator {
    /// 32 bytes from the system's CSPRNG (`getrandom(2)` through `SystemRandomNumberGenerator`),
    /// as 64 lowercase hex characters.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(format: "%02x", byte)
        }.joined()
    }
}
