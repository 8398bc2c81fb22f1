import CoreMetrics
import HTTPTypes
import Hummingbird
import KafkaWire
import NIOCore

/// The management listener: `GET /metrics`, `/healthz`, `/readyz` and `/webhooks`, on its own
/// port so metrics never face the internet.
///
/// `/webhooks` lists the webhook ids whose secrets are loaded (never a secret): `malomo-admin
/// webhooks rotate` waits on it until every replica holds a replacement webhook's secret.
public struct ManagementResponder: HTTPResponder {
    public typealias Context = BridgeRequestContext

    let metrics: BridgeMetrics
    let state: BridgeState
    let secrets: WebhookSecretStore?

    /// Creates the responder. Without `secrets`, `/webhooks` lists nothing.
    public init(metrics: BridgeMetrics, state: BridgeState, secrets: WebhookSecretStore? = nil) {
        self.metrics = metrics
        self.state = state
        self.secrets = secrets
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        guard ["/metrics", "/healthz", "/readyz", "/webhooks"].contains(path) else {
            return Self.json(.notFound, #"{"error":"not_found","message":"try /metrics, /healthz, /readyz or /webhooks"}"#)
        }
        guard request.method == .get || request.method == .head else {
            var response = Self.json(.methodNotAllowed, #"{"error":"method_not_allowed","message":"GET only"}"#)
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        switch path {
        case "/metrics":
            self.metrics.ready.record(self.state.isReady ? 1 : 0)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.metrics.render()))
            )
        case "/healthz":
            if let fatal = self.state.fatalProducerError {
                return Self.json(
                    .serviceUnavailable,
                    #"{"status":"failed","reason":"\#(fatal.label)"}"#
                )
            }
            return Self.json(.ok, #"{"status":"alive"}"#)
        case "/webhooks":
            return Self.json(.ok, Self.loadedWebhooksJSON(self.secrets?.snapshot))
        default:
            // The same readiness as the malomo_bridge_ready metric: a producer that failed fatally
            // cannot deliver again, so its pod must leave the Service.
            let draining = self.state.isDraining
            let reachable = self.state.health?.isReachable ?? true
            let producerFailed = self.state.fatalProducerError != nil
            let ready = self.state.isReady
            return Self.json(
                ready ? .ok : .serviceUnavailable,
                #"{"status":"\#(ready ? "ready" : "not_ready")","kafka":"\#(reachable ? "reachable" : "unreachable")","producer":"\#(producerFailed ? "failed" : "ok")","draining":\#(draining)}"#
            )
        }
    }

    /// `{"webhook_ids":[…],"default_secrets":N}`: the ids sorted, each escaped as a JSON string
    /// (ids are file names from the secrets directory, so any byte may appear).
    static func loadedWebhooksJSON(_ snapshot: WebhookSecretStore.Snapshot?) -> String {
        let ids = (snapshot?.byWebhookID.keys.sorted() ?? []).map(JSONResponseBody.quoted)
        return #"{"webhook_ids":[\#(ids.joined(separator: ","))],"default_secrets":\#(snapshot?.defaults.count ?? 0)}"#
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
