import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MalomoWebhookCore
import NIOCore
import ServiceLifecycle
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Malomo's webhook endpoints as documented (reference §1.1, §1.5, §3.9), on loopback, for
/// `malomo-admin`'s tests and for trying it out (`malomo-fake-api`): bearer-key
/// authentication, the error object, write-only secrets, requests recorded, failures queued
/// per method; and Malomo's side of a delivery (``deliver(topic:body:)``, or
/// `POST /_fake/deliveries`): the body signed and posted to every active webhook of a topic.
///
/// Not Malomo: what the reference marks as unknown (pagination, rate limits, the exact
/// envelope) is a guess here, and the state lives in memory.
public final class FakeMalomoAPI: Sendable {
    /// The API key the fake accepts unless told another.
    public static let apiKey = "sk_test_fake_malomo_key"

    /// A webhook as the fake stores it, secret included.
    public struct StoredWebhook: Sendable {
        public var id: String
        public var topic: String
        public var url: String
        public var active: Bool
        public var secret: String?
        public var createdAt: String
    }

    /// One request as received.
    public struct Recorded: Sendable {
        public var method: String
        public var path: String
        public var authorization: String?
        public var accept: String?
        public var body: String
    }

    /// A queued failure for the next request with this method.
    public struct Failure: Sendable {
        public var status: Int
        public var retryAfter: String?
        /// Carry out the request anyway, then fail the answer (a lost success).
        public var afterApplying: Bool

        public init(status: Int, retryAfter: String? = nil, afterApplying: Bool = false) {
            self.status = status
            self.retryAfter = retryAfter
            self.afterApplying = afterApplying
        }

        var headers: [String: String] { self.retryAfter.map { ["Retry-After": $0] } ?? [:] }
    }

    /// How list answers are shaped.
    public enum ListStyle: Sendable { case bare, wrapped }

    /// One delivery of ``deliver(topic:body:)``: the webhook it went through and the answer.
    public struct Delivery: Sendable {
        public var webhookID: String
        /// The HTTP status, 0 when there was no answer.
        public var status: Int
    }

    private struct State {
        var webhooks: [StoredWebhook] = []
        var requests: [Recorded] = []
        var failures: [String: [Failure]] = [:]
        var listStyle = ListStyle.wrapped
        var sequence = 0
        var showsCreatedAt = true
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let group = Mutex<ServiceGroup?>(nil)
    private let key: String
    /// The port it listens on.
    public let port: Int

    /// The topics it accepts (the seven the reference lists).
    public static let topics: Set<String> = [
        "customers:created", "customers:updated", "customers:deleted", "events:created", "orders:created", "orders:updated", "orders:deleted",
    ]

    /// Starts the server on `host:port` (0: a free port) accepting `apiKey`.
    public init(host: String = "127.0.0.1", port: Int = 0, apiKey: String = FakeMalomoAPI.apiKey) async throws {
        self.key = apiKey
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-malomo")
        logger.logLevel = .error
        let responder = Responder(api: Unowned())
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(services: [app], logger: logger)
        var iterator = stream.makeAsyncIterator()
        let task = Task { try await group.run() }
        guard let bound = await iterator.next() else { throw CancellationError() }
        self.port = bound
        self.task.withLock { $0 = task }
        self.group.withLock { $0 = group }
        responder.api.value.withLock { $0 = self }
    }

    /// Its root URL (`MALOMO_API_URL`).
    public var url: String { "http://127.0.0.1:\(self.port)" }

    /// Stops the server.
    public func stop() async {
        await self.group.withLock { $0 }?.triggerGracefulShutdown()
        _ = try? await self.task.withLock { $0 }?.value
    }

    /// Runs until the server stops.
    public func wait() async {
        _ = try? await self.task.withLock { $0 }?.value
    }

    /// The webhooks, in creation order.
    public var webhooks: [StoredWebhook] { self.state.withLock { $0.webhooks } }
    /// Every request so far.
    public var requests: [Recorded] { self.state.withLock { $0.requests } }
    /// Whether answers carry `created_at` (the reference does not promise it).
    public func setShowsCreatedAt(_ shows: Bool) { self.state.withLock { $0.showsCreatedAt = shows } }
    /// Shapes later list answers.
    public func setListStyle(_ style: ListStyle) { self.state.withLock { $0.listStyle = style } }
    /// Makes the next requests with `method` fail, in order.
    public func failNext(_ method: String, _ failures: [Failure]) { self.state.withLock { $0.failures[method, default: []] += failures } }

    /// Malomo's side of one event: `body` signed with each active webhook's secret and posted
    /// to its URL with the `Malomo-*` headers, as Malomo sends it through every active webhook of
    /// the topic.
    public func deliver(topic: String, body: [UInt8]) async -> [Delivery] {
        let targets = self.webhooks.filter { $0.active && $0.topic == topic }
        var deliveries: [Delivery] = []
        for webhook in targets {
            guard let url = URL(string: webhook.url) else {
                deliveries.append(Delivery(webhookID: webhook.id, status: 0))
                continue
            }
            var request = URLRequest(url: url, timeoutInterval: 10)
            request.httpMethod = "POST"
            request.httpBody = Data(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(topic, forHTTPHeaderField: "Malomo-Topic")
            request.setValue(webhook.id, forHTTPHeaderField: "Malomo-Webhook-Id")
            request.setValue("1", forHTTPHeaderField: "Malomo-Attempt-Number")
            if let secret = webhook.secret.flatMap(WebhookSecret.init) {
                request.setValue(WebhookSignatureVerifier.sign(body: body, secret: secret), forHTTPHeaderField: "Malomo-Signature")
            }
            let status = (try? await URLSession.shared.data(for: request)).flatMap { ($0.1 as? HTTPURLResponse)?.statusCode } ?? 0
            deliveries.append(Delivery(webhookID: webhook.id, status: status))
        }
        return deliveries
    }

    /// Adds a webhook directly (as if made in Malomo's dashboard).
    @discardableResult
    public func add(topic: String, url: String, active: Bool = true, secret: String? = nil) -> StoredWebhook {
        self.state.withLock { state in
            state.sequence += 1
            let webhook = StoredWebhook(
                id: UUID().uuidString.lowercased(),
                topic: topic,
                url: url,
                active: active,
                secret: secret,
                createdAt: Self.timestamp(state.sequence)
            )
            state.webhooks.append(webhook)
            return webhook
        }
    }

    /// Creation times that sort in creation order, one second apart.
    static func timestamp(_ sequence: Int) -> String {
        let date = Date(timeIntervalSince1970: 1_780_000_000 + Double(sequence))
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    fileprivate func handle(method: String, path: String, headers: HTTPFields, body: [UInt8]) async -> (Int, [String: String], String) {
        if path == "/_fake/deliveries" {
            guard method == "POST", headers[.authorization] == "Bearer \(self.key)",
                let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
                let topic = object["topic"] as? String, let event = object["body"],
                let eventBytes = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes])
            else {
                return (400, [:], Self.error(400, "bad_request", "POST {\"topic\":…,\"body\":{…}} with the API key"))
            }
            let deliveries = await self.deliver(topic: topic, body: Array(eventBytes))
            let list = deliveries.map { #"{"webhook_id":"\#($0.webhookID)","status":\#($0.status)}"# }.joined(separator: ",")
            return (200, [:], #"{"deliveries":[\#(list)]}"#)
        }
        return self.state.withLock { state in
            state.requests.append(
                Recorded(
                    method: method,
                    path: path,
                    authorization: headers[.authorization],
                    accept: headers[.accept],
                    body: String(decoding: body, as: UTF8.self)
                )
            )
            guard headers[.authorization] == "Bearer \(self.key)" else {
                return (401, [:], Self.error(401, "unauthorized", "Invalid API key"))
            }
            var failure: Failure? = nil
            if var queued = state.failures[method], !queued.isEmpty {
                failure = queued.removeFirst()
                state.failures[method] = queued
            }
            if let failure, !failure.afterApplying {
                return (
                    failure.status, failure.retryAfter.map { ["Retry-After": $0] } ?? [:], Self.error(failure.status, "injected", "injected failure")
                )
            }
            let answer = Self.apply(method: method, path: path, body: body, state: &state)
            if let failure {
                return (
                    failure.status, failure.retryAfter.map { ["Retry-After": $0] } ?? [:], Self.error(failure.status, "injected", "injected failure")
                )
            }
            return answer
        }
    }

    private static func apply(method: String, path: String, body: [UInt8], state: inout State) -> (Int, [String: String], String) {
        let segments = path.split(separator: "/").map(String.init)
        guard segments.first == "webhooks", segments.count <= 2 else { return (404, [:], error(404, "not_found", "no such endpoint")) }
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        switch (method, segments.count) {
        case ("GET", 1):
            let shows = state.showsCreatedAt
            let list = "[" + state.webhooks.map { json($0, createdAt: shows) }.joined(separator: ",") + "]"
            return (200, [:], state.listStyle == .bare ? list : #"{"data":\#(list),"meta":{"total":\#(state.webhooks.count)}}"#)
        case ("POST", 1):
            guard let object, let topic = object["topic"] as? String, let url = object["url"] as? String else {
                return (422, [:], error(422, "invalid", "topic and url are required"))
            }
            guard topics.contains(topic) else { return (422, [:], error(422, "invalid", "topic is not included in the list")) }
            state.sequence += 1
            let webhook = StoredWebhook(
                id: UUID().uuidString.lowercased(),
                topic: topic,
                url: url,
                active: object["active"] as? Bool ?? true,
                secret: object["secret"] as? String,
                createdAt: timestamp(state.sequence)
            )
            state.webhooks.append(webhook)
            return (201, [:], #"{"data":\#(json(webhook, createdAt: state.showsCreatedAt))}"#)
        case ("GET", 2), ("PATCH", 2), ("PUT", 2), ("DELETE", 2):
            guard let index = state.webhooks.firstIndex(where: { $0.id == segments[1] }) else {
                return (404, [:], error(404, "not_found", "Webhook not found"))
            }
            switch method {
            case "DELETE":
                state.webhooks.remove(at: index)
                return (204, [:], "")
            case "GET":
                return (200, [:], json(state.webhooks[index], createdAt: state.showsCreatedAt))
            default:
                if let active = object?["active"] as? Bool { state.webhooks[index].active = active }
                if let url = object?["url"] as? String { state.webhooks[index].url = url }
                return (200, [:], json(state.webhooks[index], createdAt: state.showsCreatedAt))
            }
        default:
            return (404, [:], error(404, "not_found", "no such endpoint"))
        }
    }

    /// The resource as Malomo shows it: no secret, plus a field the client must ignore.
    private static func json(_ webhook: StoredWebhook, createdAt: Bool) -> String {
        var object: [String: Any] = ["id": webhook.id, "topic": webhook.topic, "url": webhook.url, "active": webhook.active, "object": "webhook"]
        if createdAt {
            object["created_at"] = webhook.createdAt
            object["updated_at"] = webhook.createdAt
        }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    private static func error(_ status: Int, _ code: String, _ message: String) -> String {
        #"{"code":"\#(code)","message":"\#(message)","request_id":"req_\#(status)","status":\#(status)}"#
    }

    /// Lets the responder reach the API object created after it.
    final class Unowned: Sendable {
        // A reference cycle (server → responder → API → server) ended by stop().
        let value = Mutex<FakeMalomoAPI?>(nil)
    }

    struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let api: Unowned

        func respond(to request: Request, context: Context) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let api = self.api.value.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let (status, headers, text) = await api.handle(
                method: request.method.rawValue,
                path: request.uri.path,
                headers: request.headers,
                body: Array(body.readableBytesView)
            )
            var fields: HTTPFields = [.contentType: "application/json"]
            for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
