/// Decides where a verified webhook goes and builds its Kafka record (the value is the
/// raw body itself, so it is not part of ``WebhookRecord``).
public struct WebhookRouter: Sendable {
    /// Prepended to the mapped topic. Default: `malomo.`.
    public var topicPrefix: String
    /// Where unroutable bodies go. Default: `malomo.dead-letter`.
    public var deadLetterTopic: String
    /// When set, only these Malomo topics are routed; others are dead-lettered.
    public var allowedTopics: Set<MalomoTopic>?

    /// Creates a router.
    public init(
        topicPrefix: String = "malomo.",
        deadLetterTopic: String = "malomo.dead-letter",
        allowedTopics: Set<MalomoTopic>? = nil
    ) {
        self.topicPrefix = topicPrefix
        self.deadLetterTopic = deadLetterTopic
        self.allowedTopics = allowedTopics
    }

    /// Builds the record for a verified webhook.
    ///
    /// - Parameters:
    ///   - body: The raw body.
    ///   - malomoTopic: The `Malomo-Topic` header, if present.
    ///   - webhookID: The `Malomo-Webhook-Id` header, if present.
    ///   - attemptNumber: The `Malomo-Attempt-Number` header, if present.
    ///   - receivedAt: When the request arrived, as RFC 3339 UTC text.
    public func record(
        body: UnsafeRawBufferPointer,
        malomoTopic: String?,
        webhookID: String?,
        attemptNumber: String?,
        receivedAt: String
    ) -> WebhookRecord {
        let eventID = WebhookEventID.of(body)
        var key: [UInt8]? = nil
        var reason: DeadLetterReason? = nil
        let topic = malomoTopic.flatMap(MalomoTopic.init)
        do {
            key = try JSONRoutingScan(body).id
        } catch {
            reason = .invalidJSON
        }
        if reason == nil {
            if malomoTopic == nil {
                reason = .missingTopic
            } else if let topic {
                if let allowed = self.allowedTopics, !allowed.contains(topic) { reason = .topicNotAllowed }
            } else {
                reason = .malformedTopic
            }
        }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(7)
        if let malomoTopic { headers.append((WebhookRecordHeader.malomoTopic, malomoTopic)) }
        if let webhookID { headers.append((WebhookRecordHeader.webhookID, webhookID)) }
        if let attemptNumber { headers.append((WebhookRecordHeader.attemptNumber, attemptNumber)) }
        headers.append((WebhookRecordHeader.eventID, eventID))
        headers.append((WebhookRecordHeader.receivedAt, receivedAt))
        headers.append((WebhookRecordHeader.contentType, "application/json"))
        if let reason { headers.append((WebhookRecordHeader.deadLetterReason, reason.rawValue)) }
        return WebhookRecord(
            topic: reason == nil ? topic!.kafkaTopic(prefix: self.topicPrefix) : self.deadLetterTopic,
            key: key,
            headers: headers,
            eventID: eventID,
            deadLetterReason: reason,
            malomoTopic: topic
        )
    }

    /// Convenience over bytes.
    public func record(
        body: [UInt8],
        malomoTopic: String?,
        webhookID: String?,
        attemptNumber: String?,
        receivedAt: String
    ) -> WebhookRecord {
        body.withUnsafeBytes {
            self.record(
                body: $0,
                malomoTopic: malomoTopic,
                webhookID: webhookID,
                attemptNumber: attemptNumber,
                receivedAt: receivedAt
            )
        }
    }
}
