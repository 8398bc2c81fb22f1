import Foundation

/// The part of librdkafka's statistics (`statistics.interval.ms`) operators look at.
public struct KafkaStatistics: Sendable, Hashable {
    /// One broker's view.
    public struct Broker: Sendable, Hashable {
        /// The broker's node id.
        public var nodeID: Int
        /// Connection state (`UP`, `DOWN`, `CONNECT`, …).
        public var state: String
        /// Average request round-trip time over the last interval, in seconds.
        public var averageRoundTripSeconds: Double
    }

    /// Messages waiting in the producer queue (`msg_cnt`).
    public var queuedMessages: Int
    /// Bytes waiting in the producer queue (`msg_size`).
    public var queuedBytes: Int
    /// Messages sent to brokers since start (`txmsgs`).
    public var messagesSent: Int
    /// Message bytes sent to brokers since start (`txmsg_bytes`).
    public var bytesSent: Int
    /// Known brokers (bootstrap-only entries excluded).
    public var brokers: [Broker]

    /// Parses librdkafka's statistics JSON; `nil` when it is not that.
    public init?(json: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return nil }
        func int(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? 0 }
        self.queuedMessages = int(object["msg_cnt"])
        self.queuedBytes = int(object["msg_size"])
        self.messagesSent = int(object["txmsgs"])
        self.bytesSent = int(object["txmsg_bytes"])
        var brokers: [Broker] = []
        for case let broker as [String: Any] in (object["brokers"] as? [String: Any])?.values.map({ $0 }) ?? [] {
            let nodeID = int(broker["nodeid"])
            guard nodeID >= 0 else { continue }
            let rtt = broker["rtt"] as? [String: Any]
            brokers.append(
                Broker(
                    nodeID: nodeID,
                    state: broker["state"] as? String ?? "",
                    averageRoundTripSeconds: Double(int(rtt?["avg"])) / 1_000_000
                )
            )
        }
        self.brokers = brokers.sorted { $0.nodeID < $1.nodeID }
    }
}
