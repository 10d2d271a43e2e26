import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import NIOCore
import Policy
import Provenance

extension TrustServer {
    /// `POST /v1/authorize`, `GET /v1/decisions/{id}` and `POST /v1/admission`.
    ///
    /// Authorisation requests are read-only evaluations of public log data, like every read of the log: they are
    /// not signed. A deployment that must know who asks puts the route behind its gateway (mTLS, network policy).
    /// Their only writes are the decision store (keyed by the decision id, idempotent) and, when the policy or a
    /// break-glass grant asks, a policy-decision record signed by the server's own decision key.
    func addPolicyRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1/authorize") { request, _ in
            let body = try await request.collectBody(limit: AuthorizeRequestBody.maximumSize)
            let (authorization, policy) = try AuthorizeRequestBody.parse(Array(buffer: body), now: ledger.now())
            let served = try await decisions.decide(authorization, policyName: policy)
            return Response.json(bytes: served.body, headers: [.cacheControl: "no-store"])
        }
        router.get("/v1/decisions/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard id.utf8.count == 64, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw Problem.invalidParameter("\(id) is not a decision id (64 lowercase hex digits)")
            }
            guard let body = try await decisions.stored(id: id) else { throw Problem.notFound("no decision \(id)") }
            return Response.json(bytes: body)
        }
        router.post("/v1/admission") { request, _ in
            let body = try await request.collectBody(limit: configuration.maxBodySize)
            let review: AdmissionReview
            do {
                review = try JSONDecoder().decode(AdmissionReview.self, from: Data(Array(buffer: body)))
            } catch {
                throw Problem.invalidParameter("the body is not an admission.k8s.io/v1 AdmissionReview: \(error)")
            }
            guard review.apiVersion == AdmissionReview.apiVersion, review.kind == "AdmissionReview",
                let admission = review.request
            else {
                throw Problem.invalidParameter("expected kind AdmissionReview, apiVersion admission.k8s.io/v1, with a request")
            }
            let response = try await AdmissionWebhook(
                decisions: decisions,
                defaultEnvironment: configuration.admissionEnvironment,
                now: ledger.now()
            ).review(admission)
            return try Response.json(AdmissionReview(response: response))
        }
    }
}
