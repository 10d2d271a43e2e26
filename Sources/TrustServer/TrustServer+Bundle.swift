import Hummingbird
import Ledger
import Provenance

extension TrustServer {
    /// `GET /v1/images/{digest}/bundle`: everything needed to verify the image offline (docs/FORMATS.md,
    /// "Bundle, version 3": version 1 plus the policy facts), every proof against one checkpoint.
    func addBundleRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/images/{digest}/bundle") { _, context in
            let digest = try context.parameters.require("digest")
            guard ImageDigest.isValid(digest) else {
                throw Problem.invalidParameter("\(digest) is not an image digest (sha256:<64 hex digits>)")
            }
            guard let bundle = try await ledger.bundle(forImage: digest, facts: true) else {
                throw Problem.notFound("no image record has digest \(digest)")
            }
            return try Response.json(bundle)
        }
    }
}
