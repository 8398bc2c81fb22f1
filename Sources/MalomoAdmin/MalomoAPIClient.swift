import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Malomo's webhook endpoints (reference §1.1, §3.9): list, create, update, delete.
///
/// Every request is bounded by ``Configuration/requestTimeout``. 429 and 5xx answers (and, for
/// the idempotent methods, a missing answer) are retried with exponential backoff, honouring
/// `Retry-After`. A create (`POST`) is retried only on 429 and 503, which say it was not
/// processed: after any other failure Malomo may have created the webhook, and the caller
/// must look before trying again (``WebhookSync`` does). Redirects are not followed. The API key
/// goes only into the `Authorization` header, never into an error, a log line or output.
public final class MalomoAPIClient: Sendable {
    /// How to reach the API.
    public struct Configuration: Sendable {
        /// `MALOMO_API_URL`: the API's root. Default: `https://api.gomalomo.com`.
        public var baseURL: URL
        /// `MALOMO_API_KEY`: the secret API key.
        public var apiKey: MalomoAPIKey
        /// The longest one request may take, answer included. Default: 15 s.
        public var requestTimeout: Duration = .seconds(15)
        /// Attempts per request, the first included. Default: 5.
        public var maximumAttempts: Int = 5
        /// The first retry's delay; each next one doubles it. Default: 500 ms.
        public var initialBackoff: Duration = .milliseconds(500)
        /// The longest wait before a retry, `Retry-After` included. Default: 60 s.
        public var maximumBackoff: Duration = .seconds(60)

        /// The default API root.
        public static let defaultBaseURL = "https://api.gomalomo.com"

        /// Creates a configuration.
        public init(baseURL: URL, apiKey: MalomoAPIKey) {
            self.baseURL = baseURL
            self.apiKey = apiKey
        }
    }

    /// What the API answered: the webhooks, and how many list entries had no usable id.
    public struct Listing: Sendable {
        /// The webhooks.
        public var webhooks: [MalomoWebhook]
        /// List entries skipped for lack of a string id.
        public var skipped: Int
    }

    /// The media type the reference gives for the API's version 2.
    public static let accept = "application/vnd.malomo+json; version=2"

    private let configuration: Configuration
    private let session: URLSession
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a client.
    /// - Parameter sleep: How to wait between retries (tests shorten it).
    public init(
        configuration: Configuration,
        logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.sleep = sleep
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpCookieAcceptPolicy = .never
        sessionConfiguration.httpShouldSetCookies = false
        sessionConfiguration.urlCache = nil
        sessionConfiguration.timeoutIntervalForRequest = Self.seconds(configuration.requestTimeout)
        sessionConfiguration.timeoutIntervalForResource = Self.seconds(configuration.requestTimeout)
        self.session = URLSession(configuration: sessionConfiguration, delegate: RedirectRefuser(), delegateQueue: nil)
    }

    deinit { self.session.invalidateAndCancel() }

    /// Every webhook of the account, following `next` links on the API's own host.
    public func listWebhooks() async throws(MalomoAPIError) -> Listing {
        var listing = Listing(webhooks: [], skipped: 0)
        var url = self.endpoint("webhooks")
        for _ in 0..<100 {
            let data = try await self.send(method: "GET", url: url, body: nil, idempotent: true)
            let page = try MalomoAPIResponse.webhooks(data)
            listing.webhooks += page.webhooks
            listing.skipped += page.skipped
            guard let next = page.next else { return listing }
            guard let nextURL = URL(string: next, relativeTo: url)?.absoluteURL, self.isOnAPIHost(nextURL), nextURL != url else {
                throw MalomoAPIError(
                    kind: .unexpectedResponse,
                    message: "the list's next page '\(next)' is not on the API's host",
                    request: "GET /webhooks"
                )
            }
            url = nextURL
        }
        throw MalomoAPIError(kind: .unexpectedResponse, message: "the webhook list has more than 100 pages", request: "GET /webhooks")
    }

    /// Creates a webhook (`active`, `secret`, `topic`, `url`).
    public func createWebhook(topic: String, url: String, secret: String, active: Bool = true) async throws(MalomoAPIError) -> MalomoWebhook {
        let body: [String: Any] = ["active": active, "secret": secret, "topic": topic, "url": url]
        let data = try await self.send(method: "POST", url: self.endpoint("webhooks"), body: body, idempotent: false)
        return try MalomoAPIResponse.webhook(data)
    }

    /// Updates a webhook's `active` flag (the update body takes only `active` and `url`).
    public func setWebhook(id: String, active: Bool) async throws(MalomoAPIError) {
        try Self.check(id)
        _ = try await self.send(method: "PATCH", url: self.endpoint("webhooks", id), body: ["active": active], idempotent: true)
    }

    /// Deletes a webhook. A 404 counts as done (an earlier attempt, or someone else, deleted it).
    public func deleteWebhook(id: String) async throws(MalomoAPIError) {
        try Self.check(id)
        do {
            _ = try await self.send(method: "DELETE", url: self.endpoint("webhooks", id), body: nil, idempotent: true)
        } catch  where error.status == 404 {
            return
        }
    }

    /// An id from Malomo's answers goes into a request path only if it is one path segment
    /// (see ``SecretsDirectory/isUsableFileName(_:)``): never `..` or a `/`.
    private static func check(_ id: String) throws(MalomoAPIError) {
        guard SecretsDirectory.isUsableFileName(id) else {
            throw MalomoAPIError(kind: .unexpectedResponse, message: "the webhook id '\(id)' is not a single path segment")
        }
    }

    private func endpoint(_ components: String...) -> URL {
        components.reduce(self.configuration.baseURL) { $0.appendingPathComponent($1) }
    }

    private func isOnAPIHost(_ url: URL) -> Bool {
        let base = self.configuration.baseURL
        return url.scheme == base.scheme && url.host == base.host && url.port == base.port
    }

    private func send(method: String, url: URL, body: [String: Any]?, idempotent: Bool) async throws(MalomoAPIError) -> Data {
        let label = "\(method) \(url.path)"
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = Self.seconds(self.configuration.requestTimeout)
        request.setValue("Bearer \(self.configuration.apiKey.value)", forHTTPHeaderField: "Authorization")
        request.setValue(Self.accept, forHTTPHeaderField: "Accept")
        request.setValue("malomo-admin", forHTTPHeaderField: "User-Agent")
        if let body {
            request.httpBody = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        var backoff = self.configuration.initialBackoff
        var attempt = 1
        while true {
            let outcome = await self.attempt(request, label: label)
            let retryAfter: Duration?
            switch outcome {
            case .answer(let status, let data, _) where (200..<300).contains(status):
                return data
            case .answer(let status, let data, let headerRetryAfter):
                let fields = MalomoAPIResponse.errorFields(data)
                let error = MalomoAPIError(
                    kind: (300..<400).contains(status) ? .redirect : .status(status),
                    message: fields.message ?? "",
                    code: fields.code,
                    requestID: fields.requestID,
                    request: label
                )
                let retriable = idempotent ? (status == 429 || status >= 500) : (status == 429 || status == 503)
                guard retriable, attempt < self.configuration.maximumAttempts else { throw error }
                retryAfter = headerRetryAfter
            case .noAnswer(let detail):
                let error = MalomoAPIError(kind: .transport, message: detail, request: label)
                guard idempotent, attempt < self.configuration.maximumAttempts else { throw error }
                retryAfter = nil
            }
            let delay = min(retryAfter ?? backoff, self.configuration.maximumBackoff)
            self.logger.info("Retrying a Malomo API request", metadata: ["request": "\(label)", "attempt": "\(attempt + 1)", "delay": "\(delay)"])
            do {
                try await self.sleep(delay)
            } catch {
                throw MalomoAPIError(kind: .transport, message: "cancelled", request: label)
            }
            backoff = min(backoff * 2, self.configuration.maximumBackoff)
            attempt += 1
        }
    }

    private enum Outcome {
        case answer(status: Int, data: Data, retryAfter: Duration?)
        case noAnswer(String)
    }

    private func attempt(_ request: URLRequest, label: String) async -> Outcome {
        let started = ContinuousClock.now
        let timeout = self.configuration.requestTimeout
        let session = self.session
        do {
            let (data, response) = try await withThrowingTaskGroup(of: (Data, URLResponse).self) { group in
                // The refuser as the task's own delegate too: on Linux the session's delegate is
                // not consulted for tasks made by the async API.
                group.addTask { try await session.data(for: request, delegate: RedirectRefuser()) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw URLError(.timedOut)
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
            guard let http = response as? HTTPURLResponse else { return .noAnswer("not an HTTP answer") }
            self.logger.debug(
                "Malomo API answered",
                metadata: ["request": "\(label)", "status": "\(http.statusCode)", "duration": "\(ContinuousClock.now - started)"]
            )
            let retryAfter = (http.value(forHTTPHeaderField: "Retry-After")).flatMap { RetryAfter.parse($0, now: Date()) }
            return .answer(status: http.statusCode, data: data, retryAfter: retryAfter)
        } catch let error as URLError where error.code == .timedOut {
            return .noAnswer("no answer within \(timeout)")
        } catch {
            return .noAnswer("\((error as? URLError)?.localizedDescription ?? String(describing: type(of: error)))")
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// Refuses every redirect, so that the `Authorization` header never leaves the API's address.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
