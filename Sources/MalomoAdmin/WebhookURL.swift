import Foundation

/// Webhook URLs compared as Malomo may store them: scheme and host without case, a trailing
/// `/` ignored, so a normalised copy never looks like a different URL (which would make every
/// sync create webhooks again).
enum WebhookURL {
    static func same(_ a: String, _ b: String) -> Bool { self.normalized(a) == self.normalized(b) }

    static func normalized(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return text }
        components.scheme = components.scheme?.lowercased()
        components.host = components.host?.lowercased()
        if components.path.count > 1, components.path.hasSuffix("/") { components.path.removeLast() }
        if components.path == "/" { components.path = "" }
        return components.string ?? text
    }
}
