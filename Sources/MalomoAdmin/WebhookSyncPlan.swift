/// What `webhooks sync` will do to make Malomo hold exactly one active webhook per requested
/// topic at one URL. Pure: computed from Malomo's list and the local secret files.
public struct WebhookSyncPlan: Sendable, Equatable {
    /// One change at Malomo.
    public enum Action: Sendable, Hashable {
        /// Create a webhook for this topic, with a fresh secret.
        case create(topic: String)
        /// Set an inactive webhook (whose secret is known) active again.
        case reactivate(MalomoWebhook)
        /// Delete a webhook at the URL: its topic was not requested (`--prune`), or it is an
        /// inactive one for a requested topic whose secret nobody holds (left by an interrupted
        /// run; it could never deliver anything the bridge could verify).
        case delete(MalomoWebhook)
    }

    /// The changes: creates, reactivations and deletions (carried out in that order).
    public var actions: [Action]
    /// The active webhooks already in place, kept as they are.
    public var inPlace: [MalomoWebhook]
    /// What the operator should know but the plan does not change.
    public var warnings: [String]

    /// Plans a sync.
    ///
    /// - Parameters:
    ///   - existing: Every webhook Malomo lists.
    ///   - url: The bridge's webhook URL; only webhooks pointing there are considered (scheme
    ///     and host without case, a trailing `/` ignored).
    ///   - topics: The requested topics.
    ///   - prune: Delete webhooks at `url` whose topic was not requested.
    ///   - knownSecrets: The webhook ids whose secret the bridge holds or will (files in the
    ///     secrets directory, ids every replica has loaded); `nil` when that cannot be known.
    public static func make(existing: [MalomoWebhook], url: String, topics: [String], prune: Bool, knownSecrets: Set<String>?) -> WebhookSyncPlan {
        var plan = WebhookSyncPlan(actions: [], inPlace: [], warnings: [])
        let atURL = existing.filter { WebhookURL.same($0.url, url) }
        for topic in topics {
            let forTopic = atURL.filter { $0.topic == topic }
            let active = forTopic.filter(\.active)
            let revivable = forTopic.filter { !$0.active && (knownSecrets?.contains($0.id) ?? false) }
                .sorted { ($0.createdAt ?? "", $0.id) > ($1.createdAt ?? "", $1.id) }
            if let knownSecrets {
                for orphan in forTopic where !orphan.active && !knownSecrets.contains(orphan.id) {
                    plan.actions.append(.delete(orphan))
                }
            }
            if !active.isEmpty {
                plan.inPlace += active
                if active.count > 1 {
                    plan.warnings.append(
                        "\(active.count) active webhooks deliver \(topic) to \(url) (\(active.map(\.id).joined(separator: ", "))): Malomo sends each event \(active.count) times (consumers drop the copies); a half-done `webhooks rotate` looks like this, and re-running it finishes it"
                    )
                }
                if let knownSecrets {
                    for webhook in active where !knownSecrets.contains(webhook.id) {
                        plan.warnings.append(
                            "webhook \(webhook.id) (\(topic)) has no secret file: the bridge must hold its secret another way (MALOMO_WEBHOOK_SECRET), or replace it with `webhooks rotate`"
                        )
                    }
                }
                continue
            }
            // Reactivate only a webhook whose secret the bridge holds: any other could not be verified.
            if let webhook = revivable.first {
                plan.actions.append(.reactivate(webhook))
            } else {
                plan.actions.append(.create(topic: topic))
            }
        }
        if prune {
            let requested = Set(topics)
            for webhook in atURL where !requested.contains(webhook.topic) {
                plan.actions.append(.delete(webhook))
            }
        }
        return plan
    }
}
