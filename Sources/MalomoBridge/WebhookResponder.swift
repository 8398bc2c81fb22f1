import HTTPTypes
import Hummingbird

/// The webhook listener's responder: one path, one method. Everything else gets a
/// precise 404 or 405 without touching the body.
public struct WebhookResponder: HTTPResponder {
    public typealias Context = BridgeRequestContext
    /// The webhook path.
    public static var path: String { "/webhooks/malomo" }

    let handler: WebhookHandler

    /// Creates the responder.
    public init(handler: WebhookHandler) {
        self.handler = handler
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        // Answered without reading the body, so the connection is closed after the answer.
        guard request.uri.path == Self.path else {
            let rejection = WebhookRejection(.notFound, "no such path; webhooks go to POST \(Self.path)", closesConnection: true)
            return self.handler.answer(.failure(rejection), .init(), channel: context.channel)
        }
        guard request.method == .post else {
            let rejection = WebhookRejection(.methodNotAllowed, "\(Self.path) accepts POST only", closesConnection: true)
            var response = self.handler.answer(.failure(rejection), .init(), channel: context.channel)
            response.headers[.allow] = "POST"
            return response
        }
        return await self.handler.handle(request, channel: context.channel)
    }
}
