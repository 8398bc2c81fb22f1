import MalomoContract

/// Decides where a verified webhook goes and builds its Kafka record (the value is the
/// raw body itself, so it is not part of ``WebhookRecord``).
public struct WebhookRouter: Sendable {
    /// Prepended to the mapped topic. Default: `malomo.`.
    public var topicPrefix: String
    /// Where unroutable bodies go. Default: `malomo.dead-letter`.
    public var deadLetterTopic: String
    /// The Malomo topics routed to their own Kafka topic; others are dead-lettered with
    /// ``DeadLetterReason/topicNotAllowed`` and create no topic. `nil` routes every well-formed
    /// topic. Default: the seven documented topics.
    public var allowedTopics: Set<MalomoTopic>?
    /// Whether records carry the CloudEvents binary-mode `ce_` headers. Default: on.
    public var cloudEvents: Bool

    /// Creates a router.
    public init(
        topicPrefix: String = MalomoContractDefaults.topicPrefix,
        deadLetterTopic: String = MalomoContractDefaults.deadLetterTopic,
        allowedTopics: Set<MalomoTopic>? = Set(MalomoTopic.known),
        cloudEvents: Bool = true
    ) {
        self.topicPrefix = topicPrefix
        self.deadLetterTopic = deadLetterTopic
        self.allowedTopics = allowedTopics
        self.cloudEvents = cloudEvents
    }

    /// Builds the record for a verified webhook.
    ///
    /// - Parameters:
    ///   - body: The raw body.
    ///   - malomoTopic: The `Malomo-Topic` header, if present.
    ///   - webhookID: The `Malomo-Webhook-Id` header, if present.
    ///   - attemptNumber: The `Malomo-Attempt-Number` header, if present.
    ///   - receivedAt: When the request arrived, as RFC 3339 UTC text (also `ce_time`).
    public func record(
        body: UnsafeRawBufferPointer,
        malomoTopic: String?,
        webhookID: String?,
        attemptNumber: String?,
        receivedAt: String
    ) -> WebhookRecord {
        let eventID = MalomoEventID.of(topic: malomoTopic, body: body, using: CryptoEventIDHash.self)
        var key: [UInt8]? = nil
        var reason: DeadLetterReason? = nil
        let topic = malomoTopic.flatMap(MalomoTopic.init)
        let webhookIDIsValid = webhookID.map(CloudEventAttributes.isValidWebhookID) ?? true
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
        if reason == nil, !webhookIDIsValid { reason = .invalidHeader }
        var headers: [MalomoHeaderField] = []
        headers.reserveCapacity(13)
        if let malomoTopic { headers.append(MalomoHeaderField(MalomoRecordHeader.malomoTopic, malomoTopic)) }
        if let webhookID { headers.append(MalomoHeaderField(MalomoRecordHeader.webhookID, webhookID)) }
        if let attemptNumber { headers.append(MalomoHeaderField(MalomoRecordHeader.attemptNumber, attemptNumber)) }
        headers.append(MalomoHeaderField(MalomoRecordHeader.eventID, eventID))
        headers.append(MalomoHeaderField(MalomoRecordHeader.receivedAt, receivedAt))
        headers.append(MalomoHeaderField(MalomoRecordHeader.contentType, MalomoContractDefaults.contentType))
        // A webhook id that cannot be a header or URI segment never reaches `ce_source`.
        if self.cloudEvents, webhookIDIsValid {
            headers.append(MalomoHeaderField(MalomoRecordHeader.CloudEvents.specVersion, CloudEventAttributes.specVersion))
            headers.append(MalomoHeaderField(MalomoRecordHeader.CloudEvents.id, eventID))
            headers.append(MalomoHeaderField(MalomoRecordHeader.CloudEvents.type, CloudEventAttributes.type(for: topic)))
            headers.append(MalomoHeaderField(MalomoRecordHeader.CloudEvents.source, CloudEventAttributes.source(webhookID: webhookID)))
            headers.append(MalomoHeaderField(MalomoRecordHeader.CloudEvents.time, receivedAt))
            if let key, let subject = String(validating: key, as: UTF8.self), CloudEventAttributes.isValidSubject(subject) {
                headers.append(MalomoHeaderField(MalomoRecordHeader.CloudEvents.subject, subject))
            }
        }
        if let reason { headers.append(MalomoHeaderField(MalomoRecordHeader.deadLetterReason, reason.rawValue)) }
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
