import HTTPTypes
import Hummingbird

/// The webhook listener's responder: one path, one method. Everything else gets a
/// precise 404 or 405 without touching the body.
public struct WebhookResponder<Context: RequestContext>: HTTPResponder {
    /// The webhook path.
    public static var path: String { "/webhooks/malomo" }

    let handler: WebhookHandler

    /// Creates the responder.
    public init(handler: WebhookHandler) {
        self.handler = handler
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard request.uri.path == Self.path else {
            return WebhookHandler.response(
                .notFound, JSONResponseBody.error(.notFound, message: "no such path; webhooks go to POST \(Self.path)"))
        }
        guard request.method == .post else {
            var response = WebhookHandler.response(
                .methodNotAllowed,
                JSONResponseBody.error(.methodNotAllowed, message: "\(Self.path) accepts POST only"))
            response.headers[.allow] = "POST"
            return response
        }
        return await self.handler.handle(request)
    }
}
