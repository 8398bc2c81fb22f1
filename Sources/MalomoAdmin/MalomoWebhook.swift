import Foundation

/// A webhook registered at Malomo (its REST resource, reference §3.9). The secret is
/// write-only at Malomo and never part of it.
public struct MalomoWebhook: Sendable, Hashable, Codable {
    /// Malomo's id, also the `Malomo-Webhook-Id` header of its deliveries.
    public var id: String
    /// The one Malomo topic it delivers, e.g. `orders:created`.
    public var topic: String
    /// Where it delivers.
    public var url: String
    /// Whether deliveries are enabled (Malomo's default: `true`).
    public var active: Bool
    /// When it was created, as Malomo wrote it (ISO 8601), if it said.
    public var createdAt: String?

    /// Creates a webhook value.
    public init(id: String, topic: String, url: String, active: Bool, createdAt: String? = nil) {
        self.id = id
        self.topic = topic
        self.url = url
        self.active = active
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, topic, url, active
        case createdAt = "created_at"
    }

    /// Reads a webhook from a decoded JSON object, tolerantly: unknown fields are ignored and a
    /// missing `active` is Malomo's default (`true`). `nil` without a string id (the reference
    /// documents a UUID).
    init?(json: Any) {
        guard let object = json as? [String: Any], let id = object["id"] as? String, !id.isEmpty else { return nil }
        self.id = id
        self.topic = object["topic"] as? String ?? ""
        self.url = object["url"] as? String ?? ""
        self.active = (object["active"] as? Bool) ?? true
        self.createdAt = object["created_at"] as? String
    }
}
