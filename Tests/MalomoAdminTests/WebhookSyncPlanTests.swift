import Testing

@testable import MalomoAdmin

@Suite struct WebhookSyncPlanTests {
    let url = "https://hooks.example.com/webhooks/malomo"

    func webhook(_ id: String, _ topic: String, active: Bool = true, url: String? = nil, created: String = "2026-01-01") -> MalomoWebhook {
        MalomoWebhook(id: id, topic: topic, url: url ?? self.url, active: active, createdAt: created)
    }

    @Test func missingTopicsAreCreatedAndActiveOnesKept() {
        let existing = [self.webhook("a", "orders:created"), self.webhook("b", "orders:updated", url: "https://elsewhere/x")]
        let plan = WebhookSyncPlan.make(
            existing: existing,
            url: self.url,
            topics: ["orders:created", "orders:updated"],
            prune: false,
            knownSecrets: ["a"]
        )
        #expect(plan.actions == [.create(topic: "orders:updated")], "a webhook at another URL does not count")
        #expect(plan.inPlace.map(\.id) == ["a"])
        #expect(plan.warnings.isEmpty)
    }

    /// An inactive webhook is reactivated only when its secret is known; the inactive ones whose
    /// secret nobody holds (left by an interrupted run) are deleted, unless nothing is known.
    @Test func anInactiveWebhookIsReactivatedOnlyWhenItsSecretIsKnown() {
        let existing = [
            self.webhook("old", "orders:created", active: false, created: "1"), self.webhook("new", "orders:created", active: false, created: "2"),
        ]
        func plan(_ known: Set<String>?) -> [WebhookSyncPlan.Action] {
            WebhookSyncPlan.make(existing: existing, url: self.url, topics: ["orders:created"], prune: false, knownSecrets: known).actions
        }
        #expect(plan(["old", "new"]) == [.reactivate(existing[1])])
        #expect(plan(["old"]) == [.delete(existing[1]), .reactivate(existing[0])])
        #expect(plan([]) == [.delete(existing[0]), .delete(existing[1]), .create(topic: "orders:created")])
        #expect(plan(nil) == [.create(topic: "orders:created")])
    }

    /// URLs are compared as Malomo may store them.
    @Test func aNormalisedURLIsTheSameURL() {
        let existing = [self.webhook("a", "orders:created", url: "HTTPS://Hooks.Example.com/webhooks/malomo/")]
        #expect(
            WebhookSyncPlan.make(existing: existing, url: self.url, topics: ["orders:created"], prune: false, knownSecrets: ["a"]).actions.isEmpty
        )
        #expect(!WebhookURL.same("https://h/a", "https://h/b") && !WebhookURL.same("http://h/a", "https://h/a"))
    }

    @Test func pruneDeletesOnlyUnrequestedTopicsAtTheURL() {
        let existing = [
            self.webhook("a", "orders:created"), self.webhook("b", "customers:created"), self.webhook("c", "customers:created", active: false),
            self.webhook("d", "customers:created", url: "https://elsewhere/x"),
        ]
        let plan = WebhookSyncPlan.make(existing: existing, url: self.url, topics: ["orders:created"], prune: true, knownSecrets: ["a"])
        #expect(plan.actions == [.delete(existing[1]), .delete(existing[2])])
        let kept = WebhookSyncPlan.make(existing: existing, url: self.url, topics: ["orders:created"], prune: false, knownSecrets: ["a"])
        #expect(kept.actions.isEmpty)
    }

    @Test func duplicatesAndUnknownSecretsAreWarnedAbout() {
        let existing = [self.webhook("a", "orders:created"), self.webhook("b", "orders:created")]
        let plan = WebhookSyncPlan.make(existing: existing, url: self.url, topics: ["orders:created"], prune: false, knownSecrets: ["a"])
        #expect(plan.actions.isEmpty)
        #expect(plan.warnings.count == 2)
        #expect(plan.warnings[0].contains("2 active webhooks deliver orders:created"))
        #expect(plan.warnings[1].contains("webhook b (orders:created) has no secret file"))
    }
}
