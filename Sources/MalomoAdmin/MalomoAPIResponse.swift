import Foundation

/// Reads Malomo's JSON answers without trusting their shape: the reference documents the
/// fields, not the envelope, so a list may be a bare array or wrapped in an object.
enum MalomoAPIResponse {
    /// The keys a wrapped list or resource may sit under, tried in order.
    static let envelopeKeys = ["data", "webhooks", "items", "results", "webhook"]

    /// The webhooks of a list answer: a bare array, or an array under one of
    /// ``envelopeKeys`` (or the only array-valued field). Entries without an id are skipped
    /// and counted.
    static func webhooks(_ data: Data) throws(MalomoAPIError) -> (webhooks: [MalomoWebhook], skipped: Int, next: String?) {
        let json = try self.json(data)
        let array: [Any]
        var next: String? = nil
        if let bare = json as? [Any] {
            array = bare
        } else if let object = json as? [String: Any] {
            if let found = envelopeKeys.lazy.compactMap({ object[$0] as? [Any] }).first {
                array = found
            } else {
                let arrays = object.values.compactMap { $0 as? [Any] }
                guard arrays.count == 1 else {
                    throw MalomoAPIError(kind: .unexpectedResponse, message: "the webhook list is neither an array nor an object holding one")
                }
                array = arrays[0]
            }
            next = Self.nextPage(object)
        } else {
            throw MalomoAPIError(kind: .unexpectedResponse, message: "the webhook list is neither an array nor an object holding one")
        }
        let webhooks = array.compactMap(MalomoWebhook.init(json:))
        return (webhooks, array.count - webhooks.count, next)
    }

    /// A link to the next page, if the envelope carries one (`next`, `links.next`,
    /// `meta.next`, `pagination.next`) as a string.
    static func nextPage(_ object: [String: Any]) -> String? {
        if let next = object["next"] as? String, !next.isEmpty { return next }
        for container in ["links", "meta", "pagination"] {
            if let inner = object[container] as? [String: Any], let next = inner["next"] as? String, !next.isEmpty {
                return next
            }
        }
        return nil
    }

    /// One webhook: the object itself, or one under an envelope key.
    static func webhook(_ data: Data) throws(MalomoAPIError) -> MalomoWebhook {
        let json = try self.json(data)
        if let webhook = MalomoWebhook(json: json) { return webhook }
        if let object = json as? [String: Any] {
            for key in envelopeKeys {
                if let webhook = object[key].flatMap(MalomoWebhook.init(json:)) { return webhook }
            }
        }
        throw MalomoAPIError(kind: .unexpectedResponse, message: "the answer holds no webhook with an id")
    }

    /// Malomo's error object (reference §1.5): `code`, `message`, `request_id`, tolerating
    /// any of them missing or the body not being JSON.
    static func errorFields(_ data: Data) -> (code: String?, message: String?, requestID: String?) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return (nil, nil, nil) }
        let inner = (object["error"] as? [String: Any]) ?? object
        func text(_ key: String) -> String? {
            switch inner[key] ?? object[key] {
            case let string as String: return string
            case let strings as [String]: return strings.joined(separator: "; ")
            default: return nil
            }
        }
        return (text("code"), text("message") ?? (object["error"] as? String), text("request_id"))
    }

    private static func json(_ data: Data) throws(MalomoAPIError) -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw MalomoAPIError(kind: .unexpectedResponse, message: "the answer is not JSON (\(data.count) bytes)")
        }
    }
}
