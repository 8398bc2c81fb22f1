/// Settings of a ``KafkaProducer``.
///
/// The defaults are chosen for a webhook ingress that answers only after the broker
/// acknowledged: idempotent, `acks=all`, a short `linger.ms`, and a message timeout
/// short enough that every caller learns the outcome before its own deadline.
public struct KafkaProducerConfiguration: Sendable {
    /// `bootstrap.servers`, e.g. `["kafka-0:9092", "kafka-1:9092"]`.
    public var bootstrapServers: [String]

    /// How long librdkafka may try to deliver one message before it reports failure
    /// (`message.timeout.ms`). Default: 4 s.
    public var messageTimeout: Duration = .seconds(4)

    /// `linger.ms`: how long librdkafka waits to batch messages. Default: 1 ms.
    public var lingerMilliseconds: Int = 1

    /// `queue.buffering.max.messages`: past it, sends fail at once with
    /// ``KafkaError/Code/queueFull``. Default: 100 000.
    public var maximumQueuedMessages: Int = 100_000

    /// `client.id`. Default: `malomo-bridge`.
    public var clientID: String = "malomo-bridge"

    /// How long shutdown waits for queued messages to be delivered. Default: 10 s. Sends
    /// still waiting after it fail with ``KafkaError/Code/shutdown``.
    public var shutdownFlushTimeout: Duration = .seconds(10)

    /// `statistics.interval.ms`: how often librdkafka reports statistics; `nil` = never. Default: `nil`.
    public var statisticsInterval: Duration? = nil

    /// Any other librdkafka property, passed through as is (TLS, SASL, compression …).
    /// They are set first: the fields above, which carry the delivery guarantees (idempotence,
    /// `acks=all`, the message timeout, the queue bound), win over them.
    public var additionalProperties: [String: String] = [:]

    /// Creates a configuration for these brokers.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// Whether a librdkafka property carries a secret (its value must never be logged).
    public static func isSecretProperty(_ name: String) -> Bool { RedactedProperties.isSecret(name) }

    /// The librdkafka properties this configuration stands for, in the order they are set.
    public var librdkafkaProperties: [(key: String, value: String)] {
        var properties: [(key: String, value: String)] = self.additionalProperties.keys.sorted().map { key in
            (key, self.additionalProperties[key]!)
        }
        properties += [
            ("bootstrap.servers", self.bootstrapServers.joined(separator: ",")),
            ("client.id", self.clientID),
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("linger.ms", String(self.lingerMilliseconds)),
            ("message.timeout.ms", String(self.messageTimeout.wholeMilliseconds)),
            ("queue.buffering.max.messages", String(self.maximumQueuedMessages)),
            // Reconnect within a second of a broker coming back (librdkafka's default backs off to 10 s).
            ("reconnect.backoff.max.ms", "1000"),
            // TCP_NODELAY, as Kafka's Java client sets it: with up to five pipelined produce requests
            // per connection, Nagle's algorithm would hold a request back until the previous one
            // is acknowledged.
            ("socket.nagle.disable", "true"),
        ]
        if let interval = self.statisticsInterval {
            properties.append(("statistics.interval.ms", String(interval.wholeMilliseconds)))
        }
        return properties
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
